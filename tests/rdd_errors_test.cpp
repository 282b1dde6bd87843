// Failures: tasks that throw, malformed masters, bad partition counts, empty datasets, stopped
// engines.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "rdd_test_support.hpp"

namespace {

using ember_test::rangeInclusive;
using Vec = std::vector<int>;
using PI = std::pair<int, int>;

/// Runs f, which must throw E, and returns the message.
template <class E, class F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "did not throw";
  return {};
}

#define EXPECT_MESSAGE_HAS(E, stmt, part)                          \
  do {                                                             \
    std::string message_ = messageOf<E>([&] { (void)(stmt); });    \
    EXPECT_NE(message_.find(part), std::string::npos) << message_; \
  } while (0)

class TaskFailures : public ember_test::RddGridTest {};

TEST_P(TaskFailures, ThrowingTaskFailsTheAction) {
  auto data = rangeInclusive(0, 19);
  auto bad = make(data).map([](int x) {
    if (x == 13) throw std::runtime_error("boom at 13");
    return x;
  });
  int expected_partition = 13 * parts() / 20;
  while (
      !(expected_partition * 20 / parts() <= 13 && 13 < (expected_partition + 1) * 20 / parts())) {
    ++expected_partition;
  }
  try {
    bad.collect();
    FAIL() << "collect did not throw";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("boom at 13"), std::string::npos) << e.what();
    EXPECT_EQ(e.partition(), expected_partition);
    EXPECT_EQ(e.causeMessage(), "boom at 13");
    EXPECT_THROW(std::rethrow_exception(e.cause()), std::runtime_error);
  }
  EXPECT_THROW(bad.count(), ember::TaskFailedError);
  EXPECT_THROW(bad.reduce(std::plus<>{}), ember::TaskFailedError);
  EXPECT_THROW(bad.fold(0, std::plus<>{}), ember::TaskFailedError);
  EXPECT_THROW(bad.aggregate(0, std::plus<>{}, std::plus<>{}), ember::TaskFailedError);
  EXPECT_THROW(bad.foreach ([](int) {}), ember::TaskFailedError);
  EXPECT_THROW(bad.foreachPartition([](std::vector<int>&) {}), ember::TaskFailedError);
  EXPECT_THROW(bad.countByValue(), ember::TaskFailedError);
  EXPECT_THROW(bad.take(20), ember::TaskFailedError);
  EXPECT_THROW(bad.distinct().collect(), ember::TaskFailedError);
  EXPECT_THROW(bad.sortBy([](int x) { return x; }).collect(), ember::TaskFailedError);
  // The engine is still usable after a failed job.
  EXPECT_EQ(make(data).count(), 20);
}

TEST_P(TaskFailures, ThrowingMapSideOfShuffle) {
  auto pairs = make(rangeInclusive(0, 19)).map([](int x) {
    if (x == 6) throw std::invalid_argument("bad key 6");
    return PI(x % 3, x);
  });
  int expected_partition = 0;
  while (!((expected_partition + 1) * 20 / parts() > 6)) ++expected_partition;
  for (auto action : std::vector<std::function<void()>>{
           [&] { pairs.reduceByKey(std::plus<>{}).collect(); },
           [&] { pairs.groupByKey(2).count(); },
           [&] { pairs.join(pairs).count(); },
           [&] { pairs.partitionBy(3).collectAsMap(); },
           [&] { pairs.countByKey(); },
       }) {
    try {
      action();
      ADD_FAILURE() << "did not throw";
    } catch (const ember::TaskFailedError& e) {
      EXPECT_NE(std::string(e.what()).find("bad key 6"), std::string::npos) << e.what();
      EXPECT_EQ(e.partition(), expected_partition) << e.what();
    }
  }
}

TEST_P(TaskFailures, ThrowingReduceSideNamesReducePartition) {
  auto r = make(rangeInclusive(0, 29)).repartition(4).mapPartitionsWithIndex([](int index, Vec v) {
    if (index == 2) throw std::runtime_error("reduce side 2");
    return v;
  });
  try {
    r.collect();
    FAIL() << "did not throw";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_EQ(e.partition(), 2);
    EXPECT_NE(std::string(e.what()).find("reduce side 2"), std::string::npos);
  }
}

TEST_P(TaskFailures, NonStandardExceptionIsReported) {
  auto r = make(rangeInclusive(0, 4)).map([](int x) -> int {
    if (x == 0) throw 42;
    return x;
  });
  EXPECT_MESSAGE_HAS(ember::TaskFailedError, r.collect(), "unknown exception");
}

TEST_P(TaskFailures, FailedShuffleStageRunsAgainOnTheNextAction) {
  auto fail = std::make_shared<std::atomic<bool>>(true);
  auto reduced = make(rangeInclusive(0, 9))
                     .map([fail](int x) {
                       if (*fail && x == 9) throw std::runtime_error("transient");
                       return PI(x % 2, x);
                     })
                     .reduceByKey(std::plus<>{});
  EXPECT_THROW(reduced.collect(), ember::TaskFailedError);
  *fail = false;
  EXPECT_EQ(ember_test::sorted(reduced.collect()), (std::vector<PI>{{0, 20}, {1, 25}}));
}

TEST_P(TaskFailures, EmptyDatasets) {
  auto empty = make(Vec{});
  EXPECT_MESSAGE_HAS(ember::UnsupportedOperationError, empty.first(), "empty collection");
  EXPECT_MESSAGE_HAS(ember::UnsupportedOperationError, empty.reduce(std::plus<>{}),
                     "empty collection");
  auto filtered = make(rangeInclusive(0, 9)).filter([](const int& x) { return x > 100; });
  EXPECT_THROW(filtered.first(), ember::UnsupportedOperationError);
  EXPECT_THROW(filtered.reduce(std::plus<>{}), ember::UnsupportedOperationError);
  EXPECT_THROW(engine.emptyRDD<int>().first(), ember::UnsupportedOperationError);
  EXPECT_THROW(engine.emptyRDD<int>().reduce(std::plus<>{}), ember::UnsupportedOperationError);
}

TEST_P(TaskFailures, BadPartitionCountsNameTheOperation) {
  auto ints = make(rangeInclusive(0, 9));
  auto pairs = make(std::vector<PI>{{1, 1}, {2, 2}});
  for (int bad : {0, -1}) {
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, ints.repartition(bad), "repartition:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, ints.coalesce(bad), "coalesce:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, ints.coalesce(bad, true), "coalesce:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, ints.distinct(bad), "distinct:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, ints.sortBy([](int x) { return x; }, true, bad),
                       "sortBy:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.reduceByKey(std::plus<>{}, bad),
                       "reduceByKey:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.groupByKey(bad), "groupByKey:");
    EXPECT_MESSAGE_HAS(
        ember::IllegalArgumentError,
        pairs.combineByKey([](int v) { return v; }, std::plus<>{}, std::plus<>{}, bad),
        "combineByKey:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError,
                       pairs.aggregateByKey(0, std::plus<>{}, std::plus<>{}, bad),
                       "aggregateByKey:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.foldByKey(0, std::plus<>{}, bad),
                       "foldByKey:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.partitionBy(bad), "partitionBy:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.sortByKey(true, bad), "sortByKey:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.cogroup(pairs, bad), "cogroup:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.join(pairs, bad), "join:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.leftOuterJoin(pairs, bad),
                       "leftOuterJoin:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.rightOuterJoin(pairs, bad),
                       "rightOuterJoin:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, pairs.fullOuterJoin(pairs, bad),
                       "fullOuterJoin:");
    EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, ember::parallelize(rangeInclusive(0, 2), bad),
                       "parallelize:");
  }
  EXPECT_MESSAGE_HAS(ember::IllegalArgumentError, engine.parallelize(rangeInclusive(0, 2), -2),
                     "parallelize:");
}

EMBER_TEST_ON_GRID(TaskFailures);

TEST(Masters, MalformedMastersAreRefusedByName) {
  for (const char* master : {"local[0]", "local[x]", "yarn", "local[-1]", "local[2", "local[]",
                             "local[1,0]", "spark://host:7077", "local[2]x"}) {
    try {
      ember::Engine engine(master, "bad");
      engine.stop();
      ADD_FAILURE() << "accepted " << master;
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(master), std::string::npos) << e.what();
    }
  }
}

TEST(Masters, WellFormedMasters) {
  for (const char* master : {"local", "local[3]", "local[*]", "local[2,4]"}) {
    ember::Engine engine(master, "good");
    EXPECT_EQ(engine.master(), master);
    EXPECT_EQ(engine.parallelize(rangeInclusive(0, 9), 3).count(), 10);
    engine.stop();
  }
  ember::Engine three("local[3]", "three");
  EXPECT_EQ(three.defaultParallelism(), 3);
  EXPECT_EQ(three.appName(), "three");
  three.stop();
  ember::Engine one("local", "one");
  EXPECT_EQ(one.defaultParallelism(), 1);
  one.stop();
}

TEST(Masters, BadDefaultParallelism) {
  for (const char* value : {"0", "-3"}) {
    EXPECT_MESSAGE_HAS(
        ember::IllegalArgumentError,
        ember::Engine(ember::Conf().setMaster("local[2]").set("spark.default.parallelism", value)),
        "spark.default.parallelism");
  }
  EXPECT_THROW(
      ember::Engine(ember::Conf().setMaster("local[2]").set("spark.default.parallelism", "x")),
      ember::IllegalArgumentError);
}

TEST(StoppedEngine, EverythingIsRefused) {
  ember::Engine engine("local[2]", "stopped");
  auto rdd = engine.parallelize(rangeInclusive(0, 9), 2);
  auto pairs = engine.parallelize(std::vector<PI>{{1, 2}}, 2);
  engine.stop();
  EXPECT_TRUE(engine.isStopped());
  EXPECT_NO_THROW(engine.stop());
  EXPECT_MESSAGE_HAS(ember::IllegalStateError, engine.parallelize(rangeInclusive(0, 2), 1),
                     "stopped");
  EXPECT_THROW(engine.emptyRDD<int>(), ember::IllegalStateError);
  EXPECT_THROW(rdd.collect(), ember::IllegalStateError);
  EXPECT_THROW(rdd.count(), ember::IllegalStateError);
  EXPECT_THROW(rdd.take(1), ember::IllegalStateError);
  EXPECT_THROW(rdd.first(), ember::IllegalStateError);
  EXPECT_THROW(rdd.reduce(std::plus<>{}), ember::IllegalStateError);
  EXPECT_THROW(rdd.foreach ([](int) {}), ember::IllegalStateError);
  EXPECT_THROW(rdd.isEmpty(), ember::IllegalStateError);
  EXPECT_THROW(rdd.sortBy([](int x) { return x; }), ember::IllegalStateError);
  EXPECT_THROW(pairs.reduceByKey(std::plus<>{}).collect(), ember::IllegalStateError);
  EXPECT_THROW(pairs.collectAsMap(), ember::IllegalStateError);
  // Persisted data of a stopped engine can still be released without harm.
  EXPECT_NO_THROW(rdd.persist(ember::StorageLevel::MEMORY_ONLY));
  EXPECT_NO_THROW(rdd.unpersist());
}

TEST(StoppedEngine, PersistedDatasetsOutliveStop) {
  auto rdd = [] {
    ember::Engine engine("local[2]", "stop-persisted");
    auto r = engine.parallelize(rangeInclusive(0, 9), 2).map([](int x) { return x; });
    r.persist(ember::StorageLevel::DISK_ONLY);
    r.count();
    engine.stop();
    return r;
  }();
  EXPECT_THROW(rdd.count(), ember::IllegalStateError);
  // Destroying the handle after stop must not touch the released block store.
}

TEST(ActiveEngine, ParallelizeUsesTheActiveEngine) {
  ember::Engine engine("local[2]", "active");
  auto rdd = ember::parallelize(rangeInclusive(0, 5), 3);
  EXPECT_EQ(rdd.context().state(), engine.state());
  EXPECT_EQ(rdd.getNumPartitions(), 3);
  EXPECT_EQ(ember::Engine::getOrCreate().state(), engine.state());
  engine.stop();
  auto fresh = ember::Engine::getOrCreate(ember::Conf().setMaster("local[1]"));
  EXPECT_NE(fresh.state(), engine.state());
  EXPECT_FALSE(fresh.isStopped());
  EXPECT_EQ(fresh.master(), "local[1]");
  fresh.stop();
}

}  // namespace
