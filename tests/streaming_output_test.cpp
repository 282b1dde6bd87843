// Output operations: print/pprint blocks on stdout, foreachRDD, saveAsTextFiles, queueStream
// feeding them, and the order output operations run in.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming_test_support.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using ember::DStream;
using ember::Rdd;
using ember::StreamingContext;
using ember::Time;
using ember_test::TempDir;

const std::string kRule(43, '-');

/// Every test runs over the grid: the cell's master, and its partition count for the input
/// streams. Batch times are printed in local time: pin it so that the expected text is literal.
class StreamingOutput : public streaming_test::StreamingGridTest {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    old_tz_ = tz ? std::optional<std::string>(tz) : std::nullopt;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (old_tz_) {
      setenv("TZ", old_tz_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

  /// A manual clock on the cell's master.
  ember::Conf manualConf() const {
    ember::Conf conf;
    conf.setMaster(GetParam().master)
        .setAppName("output")
        .set("spark.streaming.clock", "ManualClock");
    return conf;
  }

  /// A test input stream in the cell's partition count.
  template <class T>
  DStream<T> input(StreamingContext& ssc, std::vector<std::optional<std::vector<T>>> batches) {
    return ember::testing::detail::testInput<T>(ssc, std::move(batches), GetParam().partitions);
  }

 private:
  std::optional<std::string> old_tz_;
};

EMBER_TEST_ON_GRID(StreamingOutput);

ember::ManualClock& manual(StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

/// Runs numBatches batches of ssc (already defined) and stops it.
void run(StreamingContext& ssc, int numBatches) {
  ssc.start();
  const std::int64_t d = ssc.batchDuration().milliseconds();
  for (int k = 1; k <= numBatches; ++k) {
    manual(ssc).advance(d);
    ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(k * d), 60'000));
  }
  if (auto error = ssc.core().firstError()) std::rethrow_exception(error);
  ssc.stop();
}

std::string header(const std::string& time) {
  return kRule + "\nTime: " + time + "\n" + kRule + "\n";
}

// ---- print -------------------------------------------------------------------------------------

TEST_P(StreamingOutput, PrintWritesSparksBlockPerBatch) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  using P = std::pair<std::string, int>;
  input<P>(ssc, {std::vector<P>{{"hello", 1}, {"world", 2}}, std::vector<P>{}}).print();
  ::testing::internal::CaptureStdout();
  run(ssc, 2);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, header("1970-01-01 00:00:01") + "(hello,1)\n(world,2)\n\n" +
                     header("1970-01-01 00:00:02") + "\n");
}

TEST_P(StreamingOutput, PrintShowsTheFirstNumAndEllipsis) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = input<int>(
      ssc, {ember::testing::detail::Batches<int>::value_type(std::vector<int>{1, 2, 3, 4, 5})});
  s.print(3);
  s.pprint(5);
  s.print();
  ::testing::internal::CaptureStdout();
  run(ssc, 1);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string h = header("1970-01-01 00:00:01");
  EXPECT_EQ(out, h + "1\n2\n3\n...\n\n" + h + "1\n2\n3\n4\n5\n\n" + h + "1\n2\n3\n4\n5\n\n");
}

TEST_P(StreamingOutput, PrintDefaultsToTenRecords) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  std::vector<int> data;
  for (int i = 1; i <= 11; ++i) data.push_back(i);
  input<int>(ssc, {data}).print();
  ::testing::internal::CaptureStdout();
  run(ssc, 1);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, header("1970-01-01 00:00:01") + "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n...\n\n");
}

TEST_P(StreamingOutput, PrintAppendsMillisecondsWhenTheTimeIsNotAWholeSecond) {
  StreamingContext ssc(manualConf(), ember::Milliseconds(500));
  input<std::string>(ssc, {std::vector<std::string>{"a"}, std::vector<std::string>{"b"}}).print();
  ::testing::internal::CaptureStdout();
  run(ssc, 2);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out,
            header("1970-01-01 00:00:00.500") + "a\n\n" + header("1970-01-01 00:00:01") + "b\n\n");
}

TEST_P(StreamingOutput, PrintUsesLocalTime) {
  setenv("TZ", "UTC-2", 1);  // POSIX sign: two hours east of UTC
  tzset();
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  input<int>(ssc, {std::vector<int>{}}).print();
  ::testing::internal::CaptureStdout();
  run(ssc, 1);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), header("1970-01-01 02:00:01") + "\n");
}

TEST_P(StreamingOutput, PrintOfNestedValuesUsesTupleForm) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  using V = std::pair<std::string, std::pair<int, std::optional<std::string>>>;
  input<V>(ssc, {std::vector<V>{{"k", {1, std::nullopt}}, {"j", {2, "x"}}}}).print();
  ::testing::internal::CaptureStdout();
  run(ssc, 1);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            header("1970-01-01 00:00:01") + "(k,(1,None))\n(j,(2,Some(x)))\n\n");
}

TEST_P(StreamingOutput, PrintSkipsBatchesWithoutRdd) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  input<int>(ssc, {std::vector<int>{1}, std::nullopt, std::vector<int>{3}}).print();
  ::testing::internal::CaptureStdout();
  run(ssc, 3);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            header("1970-01-01 00:00:01") + "1\n\n" + header("1970-01-01 00:00:03") + "3\n\n");
}

TEST_P(StreamingOutput, PrintRefusesNegativeNum) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = input<int>(ssc, {});
  EXPECT_THROW(s.print(-1), ember::IllegalArgumentError);
  ssc.stop();
}

// ---- foreachRDD --------------------------------------------------------------------------------

TEST_P(StreamingOutput, ForeachRddBothForms) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = input<int>(ssc, {std::vector<int>{1, 2}, std::nullopt, std::vector<int>{3}});
  auto plain = std::make_shared<std::vector<std::vector<int>>>();
  auto timed = std::make_shared<std::vector<std::pair<std::int64_t, std::int64_t>>>();
  s.foreachRDD([plain](const Rdd<int>& rdd) { plain->push_back(rdd.collect()); });
  s.foreachRDD(
      [timed](const Rdd<int>& rdd, Time t) { timed->emplace_back(t.milliseconds(), rdd.count()); });
  run(ssc, 4);
  EXPECT_EQ(*plain, (std::vector<std::vector<int>>{{1, 2}, {3}, {}}));
  EXPECT_EQ(*timed,
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{1000, 2}, {3000, 1}, {4000, 0}}));
}

TEST_P(StreamingOutput, ForeachPartitionInForeachRddKnowsItsBatchAndPartition) {
  // The guide's exactly-once id: (batch time from foreachRDD, TaskContext's partition index).
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = input<int>(ssc, {std::vector<int>{1, 2, 3, 4, 5}, std::vector<int>{6}});
  using Id = std::pair<std::int64_t, int>;
  auto sums = std::make_shared<std::map<Id, int>>();
  auto mutex = std::make_shared<std::mutex>();
  s.foreachRDD([sums, mutex](const Rdd<int>& rdd, Time t) {
    rdd.foreachPartition([sums, mutex, t](const std::vector<int>& data) {
      int sum = 0;
      for (int x : data) sum += x;
      Id id{t.milliseconds(), ember::TaskContext::get().partitionId()};
      std::lock_guard lock(*mutex);
      EXPECT_TRUE(sums->emplace(id, sum).second) << "id twice: " << id.first << "," << id.second;
    });
  });
  run(ssc, 2);
  const int parts = GetParam().partitions;
  ASSERT_EQ(sums->size(), static_cast<std::size_t>(2 * parts));
  std::map<std::int64_t, int> per_batch;
  for (const auto& [id, sum] : *sums) {
    EXPECT_GE(id.second, 0);
    EXPECT_LT(id.second, parts);
    per_batch[id.first] += sum;
  }
  EXPECT_EQ(per_batch, (std::map<std::int64_t, int>{{1000, 15}, {2000, 6}}));
}

TEST_P(StreamingOutput, OutputOperationsRunInDefinitionOrder) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = input<int>(ssc, {std::vector<int>{1}, std::vector<int>{2}, std::vector<int>{3}});
  auto order = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  for (const char* name : {"first", "second", "third", "fourth"}) {
    s.map([](int x) { return x; }).foreachRDD([order, mutex, name](const Rdd<int>& rdd, Time t) {
      rdd.count();
      std::lock_guard lock(*mutex);
      order->push_back(std::to_string(t.milliseconds()) + ":" + name);
    });
  }
  run(ssc, 3);
  std::vector<std::string> expected;
  for (const char* t : {"1000", "2000", "3000"}) {
    for (const char* name : {"first", "second", "third", "fourth"}) {
      expected.push_back(std::string(t) + ":" + name);
    }
  }
  EXPECT_EQ(*order, expected);
}

TEST_P(StreamingOutput, OneRddPerBatchSharedByAllOutputs) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto mapped = input<int>(ssc, {std::vector<int>{1}}).map([](int x) { return x + 1; });
  auto ids = std::make_shared<std::vector<int>>();
  mapped.foreachRDD([ids](const Rdd<int>& rdd) { ids->push_back(rdd.id()); });
  mapped.foreachRDD([ids](const Rdd<int>& rdd) { ids->push_back(rdd.id()); });
  run(ssc, 1);
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0], (*ids)[1]);
}

// ---- saveAsTextFiles ---------------------------------------------------------------------------

std::vector<std::string> linesOfDir(const fs::path& dir) {
  std::vector<fs::path> parts;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("part-", 0) == 0) parts.push_back(entry.path());
  }
  std::sort(parts.begin(), parts.end());
  std::vector<std::string> lines;
  for (const auto& p : parts) {
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return lines;
}

TEST_P(StreamingOutput, SaveAsTextFilesWritesOneDirectoryPerBatch) {
  TempDir tmp;
  std::string prefix = (tmp.path() / "out").string();
  {
    StreamingContext ssc(manualConf(), ember::Seconds(1));
    using P = std::pair<std::string, int>;
    auto s = input<P>(
        ssc, {std::vector<P>{{"a", 1}, {"b", 2}, {"c", 3}}, std::nullopt, std::vector<P>{}});
    s.saveAsTextFiles(prefix, "txt");
    run(ssc, 3);
  }
  fs::path first = tmp.path() / "out-1000.txt";
  ASSERT_TRUE(fs::is_directory(first));
  // One file per partition, empty ones too.
  auto part = [](int i) {
    std::string digits = std::to_string(i);
    return "part-" + std::string(5 - digits.size(), '0') + digits;
  };
  for (int i = 0; i < GetParam().partitions; ++i) EXPECT_TRUE(fs::exists(first / part(i))) << i;
  EXPECT_FALSE(fs::exists(first / part(GetParam().partitions)));
  EXPECT_EQ(linesOfDir(first), (std::vector<std::string>{"(a,1)", "(b,2)", "(c,3)"}));
  EXPECT_FALSE(fs::exists(tmp.path() / "out-2000.txt"));  // no RDD, no output
  fs::path empty = tmp.path() / "out-3000.txt";
  ASSERT_TRUE(fs::is_directory(empty));  // empty batches still write their directory
  EXPECT_TRUE(linesOfDir(empty).empty());
}

TEST_P(StreamingOutput, SaveAsTextFilesWithoutSuffix) {
  TempDir tmp;
  std::string prefix = (tmp.path() / "plain").string();
  {
    StreamingContext ssc(manualConf(), ember::Milliseconds(500));
    input<int>(ssc, {std::vector<int>{7}, std::vector<int>{8, 9}}).saveAsTextFiles(prefix);
    run(ssc, 2);
  }
  EXPECT_EQ(linesOfDir(tmp.path() / "plain-500"), std::vector<std::string>{"7"});
  EXPECT_EQ(linesOfDir(tmp.path() / "plain-1000"), (std::vector<std::string>{"8", "9"}));
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"plain-1000", "plain-500"}));
}

TEST_P(StreamingOutput, SaveAsTextFilesOfAnEmptyQueueStreamWritesAnEmptyDirectory) {
  TempDir tmp;
  std::string prefix = (tmp.path() / "q").string();
  {
    StreamingContext ssc(manualConf(), ember::Seconds(1));
    ssc.queueStream(std::vector<Rdd<int>>{}).saveAsTextFiles(prefix, "out");
    run(ssc, 1);
  }
  ASSERT_TRUE(fs::is_directory(tmp.path() / "q-1000.out"));
  EXPECT_TRUE(linesOfDir(tmp.path() / "q-1000.out").empty());
}

// ---- queueStream -------------------------------------------------------------------------------

std::vector<std::vector<int>> collectQueue(StreamingContext& ssc, DStream<int> s, int numBatches,
                                           std::function<void(int)> beforeBatch = {}) {
  auto seen = std::make_shared<std::vector<std::vector<int>>>();
  s.foreachRDD([seen](const Rdd<int>& rdd) { seen->push_back(rdd.collect()); });
  ssc.start();
  for (int k = 1; k <= numBatches; ++k) {
    if (beforeBatch) beforeBatch(k);
    manual(ssc).advance(1000);
    EXPECT_TRUE(ssc.core().awaitBatchProcessed(Time(k * 1000), 60'000));
  }
  ssc.stop();
  return *seen;
}

TEST_P(StreamingOutput, QueueStreamOneAtATimeAndAllAtOnce) {
  for (bool one : {true, false}) {
    SCOPED_TRACE(one ? "oneAtATime" : "all at once");
    StreamingContext ssc(manualConf(), ember::Seconds(1));
    auto queue = std::make_shared<ember::RddQueue<int>>();
    std::optional<Rdd<int>> fallback = ssc.sparkContext().parallelize(std::vector<int>{-1}, 1);
    auto s = ssc.queueStream(queue, one, fallback);
    auto engine = ssc.sparkContext();
    auto out = collectQueue(ssc, s, 4, [&](int k) {
      if (k == 1) {
        queue->push(engine.parallelize(std::vector<int>{1, 2}, 2));
        queue->push(engine.parallelize(std::vector<int>{3}, 1));
      }
      if (k == 3) queue->push(engine.parallelize(std::vector<int>{4}, 1));
    });
    if (one) {
      EXPECT_EQ(out, (std::vector<std::vector<int>>{{1, 2}, {3}, {4}, {-1}}));
    } else {
      EXPECT_EQ(out, (std::vector<std::vector<int>>{{1, 2, 3}, {-1}, {4}, {-1}}));
    }
  }
}

TEST_P(StreamingOutput, QueueStreamWithoutDefaultGivesEmptyBatches) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto engine = ssc.sparkContext();
  auto s = ssc.queueStream(std::vector<Rdd<int>>{engine.parallelize(std::vector<int>{5}, 1)});
  auto out = collectQueue(ssc, s, 3);
  EXPECT_EQ(out, (std::vector<std::vector<int>>{{5}, {}, {}}));
}

}  // namespace

namespace {

TEST_P(StreamingOutput, OperationsOnBatchesWithNoPartitions) {
  // An empty queue gives an RDD without partitions; count, reduce and repartition still behave.
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = ssc.queueStream(std::vector<Rdd<int>>{});
  auto counts = std::make_shared<std::vector<std::vector<std::int64_t>>>();
  auto sums = std::make_shared<std::vector<std::vector<int>>>();
  auto parts = std::make_shared<std::vector<std::size_t>>();
  s.count().foreachRDD([counts](const Rdd<std::int64_t>& r) { counts->push_back(r.collect()); });
  s.reduce(std::plus<>{}).foreachRDD([sums](const Rdd<int>& r) { sums->push_back(r.collect()); });
  s.repartition(3).glom().foreachRDD(
      [parts](const Rdd<std::vector<int>>& r) { parts->push_back(r.collect().size()); });
  run(ssc, 2);
  EXPECT_EQ(*counts, (std::vector<std::vector<std::int64_t>>{{0}, {0}}));
  EXPECT_EQ(*sums, (std::vector<std::vector<int>>{{}, {}}));
  EXPECT_EQ(*parts, (std::vector<std::size_t>{3, 3}));
}

TEST_P(StreamingOutput, FailingTransformOnTheDriverFailsTheRun) {
  try {
    ember::testing::runOperation(
        std::vector<std::vector<int>>{{1}, {2}},
        [](DStream<int> s) {
          return s.transform([](const Rdd<int>& rdd, Time t) {
            if (t == Time(2000)) throw ember::IllegalArgumentError("no RDD for 2000");
            return rdd;
          });
        },
        2, options());
    ADD_FAILURE() << "runOperation did not throw";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_STREQ(e.what(), "no RDD for 2000");
  }
}

}  // namespace
