// SQL over streams (SQL-01..03): the guide's per-batch pattern, and a view over the batches a
// stream remembers, queried from another thread while batches run.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ember/sql.hpp"
#include "ember/testing.hpp"

namespace {

using ember::Seconds;
using ember::Time;
using ember::sql::Row;
using ember::sql::SparkSession;

/// Batch i (from 1) holds i copies of the word "w<i>".
std::vector<std::vector<std::string>> growingBatches(int n) {
  std::vector<std::vector<std::string>> batches;
  for (int i = 1; i <= n; ++i)
    batches.emplace_back(static_cast<std::size_t>(i), "w" + std::to_string(i));
  return batches;
}

/// A context on a manual clock whose batches are advanced one at a time by the test.
class StreamSqlTest : public testing::Test {
 protected:
  StreamSqlTest() : ssc(ember::testing::detail::testConf(), Seconds(1)) {}
  ~StreamSqlTest() override {
    ssc.stop(true, false);
    SparkSession::getOrCreate(ssc.sparkContext()).stop();
  }

  /// Runs batch i (time i s) and waits for it to be processed; fails on a timeout or an error.
  void runBatch(int i) {
    auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
    clock.advance(1000);
    ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(i * 1000), 60'000)) << "batch " << i;
    ASSERT_EQ(ssc.core().firstError(), nullptr);
  }

  /// word -> count in the view, queried on another thread.
  std::map<std::string, std::int64_t> queryElsewhere(const std::string& statement) {
    auto session = SparkSession::getOrCreate(ssc.sparkContext());
    auto result = std::async(std::launch::async, [&] { return session.sql(statement).collect(); });
    std::map<std::string, std::int64_t> out;
    for (const Row& row : result.get()) out[row.getString(0)] = row.getLong(1);
    return out;
  }

  ember::StreamingContext ssc;
};

TEST_F(StreamSqlTest, TheGuidesPatternPerBatch) {
  auto words = ember::testing::detail::testInput<std::string>(
      ssc, ember::testing::detail::toBatches(growingBatches(3)), 2);
  auto shown = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  words.foreachRDD([shown, mutex](const ember::Rdd<std::string>& rdd, Time time) {
    auto spark = SparkSession::builder().config(rdd.context().getConf()).getOrCreate();
    ember::sql::toDF(rdd, "word").createOrReplaceTempView("words");
    auto counts = spark.sql("select word, count(*) as total from words group by word");
    std::lock_guard lock(*mutex);
    shown->push_back(time.toString() + "\n" + counts.showString());
  });
  ssc.start();
  for (int i = 1; i <= 3; ++i) runBatch(i);
  std::lock_guard lock(*mutex);
  ASSERT_EQ(shown->size(), 3u);
  EXPECT_EQ((*shown)[2],
            "3000 ms\n"
            "+----+-----+\n"
            "|word|total|\n"
            "+----+-----+\n"
            "|  w3|    3|\n"
            "+----+-----+\n");
}

TEST_F(StreamSqlTest, AViewHoldsWhatTheStreamRemembers) {
  auto words = ember::testing::detail::testInput<std::string>(
      ssc, ember::testing::detail::toBatches(growingBatches(6)), 2);
  ember::sql::createOrReplaceTempView(words, "words", {"word"});
  ssc.remember(Seconds(2));
  ssc.start();
  const std::string query = "select word, count(*) from words group by word";
  runBatch(1);
  EXPECT_EQ(queryElsewhere(query), (std::map<std::string, std::int64_t>{{"w1", 1}}));
  runBatch(2);
  EXPECT_EQ(queryElsewhere(query), (std::map<std::string, std::int64_t>{{"w1", 1}, {"w2", 2}}));
  runBatch(3);
  EXPECT_EQ(queryElsewhere(query),
            (std::map<std::string, std::int64_t>{{"w1", 1}, {"w2", 2}, {"w3", 3}}));
  // Batch 1 is forgotten after batch 3 (remembered for 2 s past its time): it leaves the view.
  runBatch(4);
  EXPECT_EQ(queryElsewhere(query),
            (std::map<std::string, std::int64_t>{{"w2", 2}, {"w3", 3}, {"w4", 4}}));
  runBatch(5);
  runBatch(6);
  EXPECT_EQ(queryElsewhere(query),
            (std::map<std::string, std::int64_t>{{"w4", 4}, {"w5", 5}, {"w6", 6}}));
  // The forgotten batches' tables were dropped: one table per remembered batch is left.
  auto session = SparkSession::getOrCreate(ssc.sparkContext());
  EXPECT_EQ(
      session.sql("select count(*) from sqlite_master where type = 'table'").first().getLong(0), 3);
}

TEST_F(StreamSqlTest, WithoutRememberOnlyTheLatestBatches) {
  auto words = ember::testing::detail::testInput<std::string>(
      ssc, ember::testing::detail::toBatches(growingBatches(4)), 2);
  ember::sql::createOrReplaceTempView(words, "words", {"word"});
  ssc.start();
  for (int i = 1; i <= 4; ++i) runBatch(i);
  // A stream with no window remembers one batch interval: the batch before and this one.
  EXPECT_EQ(queryElsewhere("select word, count(*) from words group by word"),
            (std::map<std::string, std::int64_t>{{"w3", 3}, {"w4", 4}}));
}

TEST_F(StreamSqlTest, QueriesFromAnotherThreadWhileBatchesRun) {
  constexpr int kBatches = 12;
  auto words = ember::testing::detail::testInput<std::string>(
      ssc, ember::testing::detail::toBatches(growingBatches(kBatches)), 3);
  ember::sql::createOrReplaceTempView(words, "words", {"word"});
  ssc.remember(Seconds(3));
  ssc.start();
  runBatch(1);
  // Every answer is the view after some batch k: batches max(1, k - 3) .. k, each i counted i
  // times; the total count and the newest word say which k.
  std::set<std::pair<std::int64_t, std::string>> valid;
  for (int k = 1; k <= kBatches; ++k) {
    std::int64_t total = 0;
    for (int i = std::max(1, k - 3); i <= k; ++i) total += i;
    valid.insert({total, "w" + std::to_string(k)});
  }
  std::atomic<bool> done{false};
  auto session = SparkSession::getOrCreate(ssc.sparkContext());
  auto reader = std::async(std::launch::async, [&] {
    std::vector<std::pair<std::int64_t, std::string>> seen;
    // One statement, so one state of the view; at least one, however fast the batches run.
    do {
      auto row = session
                     .sql(
                         "select count(*), (select word from words order by length(word) desc, "
                         "word desc limit 1) from words")
                     .first();
      seen.emplace_back(row.getLong(0), row.getString(1));
    } while (!done.load());
    return seen;
  });
  for (int i = 2; i <= kBatches; ++i) runBatch(i);
  done.store(true);
  auto seen = reader.get();
  ASSERT_FALSE(seen.empty());
  for (const auto& answer : seen) {
    EXPECT_TRUE(valid.count(answer)) << answer.first << " " << answer.second;
  }
  EXPECT_EQ(
      queryElsewhere("select word, count(*) from words group by word"),
      (std::map<std::string, std::int64_t>{{"w9", 9}, {"w10", 10}, {"w11", 11}, {"w12", 12}}));
}

}  // namespace
