// DataFrame operations against a naive single-threaded reference on random data, and every cell
// type of a struct through the encoders.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "sql_test_support.hpp"

namespace {

using ember::sql::col;
using ember::sql::Row;
using ember::sql::Value;
using ember_test::sortedRows;
using ember_test::SqlTest;

struct Reading {
  std::int32_t sensor;
  std::optional<std::int64_t> value;
  std::string place;
};

struct Everything {
  std::int16_t small;
  std::uint32_t unsigned_int;
  float single;
  const char* text;
  std::optional<std::string> maybe;
  ember::sql::Timestamp at;
  bool flag;
};

std::vector<Reading> randomReadings(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<Reading> out;
  const char* places[] = {"north", "south", "east"};
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<std::int64_t> v;
    if (rng() % 5 != 0) v = static_cast<std::int64_t>(rng() % 200) - 100;
    out.push_back({static_cast<std::int32_t>(rng() % 17), v, places[rng() % 3]});
  }
  return out;
}

TEST_F(SqlTest, GroupByAggregatesAgreeWithAReference) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    auto data = randomReadings(seed, 600);
    // The reference: per sensor, sum/count/max of the non-null values and the row count.
    struct Agg {
      std::optional<std::int64_t> sum, max;
      std::int64_t count = 0, rows = 0;
    };
    std::map<std::int64_t, Agg> expected;
    for (const auto& r : data) {
      Agg& a = expected[r.sensor];
      ++a.rows;
      if (!r.value) continue;
      ++a.count;
      a.sum = a.sum.value_or(0) + *r.value;
      a.max = a.max ? std::max(*a.max, *r.value) : *r.value;
    }
    std::vector<Row> want;
    auto cell = [](std::optional<std::int64_t> x) -> Value {
      if (x) return *x;
      return std::monostate{};
    };
    for (const auto& [k, a] : expected) {
      // Cell by cell: g++ 12 sees an uninitialized variant in a braced list of them here.
      std::vector<Value> cells;
      cells.emplace_back(k);
      cells.push_back(cell(a.sum));
      cells.emplace_back(a.count);
      cells.push_back(cell(a.max));
      cells.emplace_back(a.rows);
      want.emplace_back(std::move(cells));
    }
    auto frame = session.createDataFrame(engine.parallelize(data, 1 + static_cast<int>(seed)),
                                         {"sensor", "value", "place"});
    auto got = frame.groupBy("sensor")
                   .agg(ember::sql::sum("value"), ember::sql::count(col("value")),
                        ember::sql::max("value"), ember::sql::count("*"))
                   .orderBy("sensor")
                   .collect();
    EXPECT_EQ(got, want) << "seed " << seed;
  }
}

TEST_F(SqlTest, FiltersAndJoinsAgreeWithAReference) {
  auto data = randomReadings(7, 400);
  auto frame = session.createDataFrame(engine.parallelize(data, 3), {"sensor", "value", "place"});
  for (std::int64_t threshold : {-50, 0, 50}) {
    std::vector<Row> want;
    for (const auto& r : data) {
      if (r.value && *r.value > threshold && r.place != "east") {
        want.push_back(Row{static_cast<std::int64_t>(r.sensor), *r.value, r.place});
      }
    }
    auto got = frame.filter(col("value") > threshold && col("place") != "east").collect();
    EXPECT_EQ(sortedRows(got), sortedRows(want)) << threshold;
  }
  // A join of the readings with a table of sensor names, against nested loops.
  std::vector<std::pair<std::int64_t, std::string>> names;
  for (std::int64_t s = 0; s < 17; s += 2) names.emplace_back(s, "s" + std::to_string(s));
  auto named = session.createDataFrame(names, {"sensor", "name"});
  std::vector<Row> want;
  for (const auto& r : data) {
    for (const auto& [s, n] : names) {
      if (s == r.sensor) {
        want.push_back(Row{s, r.value ? Value(*r.value) : Value(std::monostate{}), r.place, n});
      }
    }
  }
  EXPECT_EQ(sortedRows(frame.join(named, "sensor").collect()), sortedRows(want));
}

TEST_F(SqlTest, EveryCellTypeOfAStruct) {
  std::vector<Everything> data = {
      {-3, 4000000000u, 0.5f, "text", std::string("yes"), ember::sql::Timestamp{1500}, true},
      {7, 0u, -2.0f, "", std::nullopt, ember::sql::Timestamp{-1}, false}};
  auto frame = session.createDataFrame(engine.parallelize(data, 2),
                                       {"small", "u", "f", "text", "maybe", "at", "flag"});
  EXPECT_EQ(frame.schema().simpleString(),
            "struct<small:bigint,u:bigint,f:double,text:string,maybe:string,at:timestamp,"
            "flag:boolean>");
  std::vector<Row> want = {Row{std::int64_t{-3}, std::int64_t{4000000000}, 0.5, std::string("text"),
                               std::string("yes"), ember::sql::Timestamp{1500}, true},
                           Row{std::int64_t{7}, std::int64_t{0}, -2.0, std::string(""),
                               std::monostate{}, ember::sql::Timestamp{-1}, false}};
  EXPECT_EQ(frame.collect(), want);
  // Through the engine, the same values and types come back.
  EXPECT_EQ(frame.orderBy(col("small")).collect(), want);
  EXPECT_EQ(want[1].toString(), "[7,0,-2.0,,null,1969-12-31 23:59:59.999999,false]");
}

}  // namespace
