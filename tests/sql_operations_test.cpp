// DataFrame operations (translated to SQL) on literal inputs, null handling, column expressions.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "sql_test_support.hpp"

namespace {

using ember::sql::col;
using ember::sql::DataFrame;
using ember::sql::DataType;
using ember::sql::lit;
using ember::sql::Row;
using ember_test::sortedRows;
using ember_test::SqlTest;

using Sale = std::tuple<std::string, std::string, std::optional<std::int64_t>>;

class SqlOperationsTest : public SqlTest {
 protected:
  DataFrame sales() {
    std::vector<Sale> data = {{"ann", "tea", 3},
                              {"bob", "tea", 1},
                              {"ann", "coffee", 2},
                              {"cid", "tea", std::nullopt},
                              {"bob", "cake", 5}};
    return session.createDataFrame(engine.parallelize(data, 2), {"who", "what", "qty"});
  }
  DataFrame people() {
    std::vector<std::pair<std::string, std::string>> data = {
        {"ann", "oslo"}, {"bob", "rome"}, {"dan", "lima"}};
    return session.createDataFrame(engine.parallelize(data, 2), {"who", "city"});
  }
  static Row r(std::initializer_list<ember::sql::Value> values) { return Row(values); }
  static ember::sql::Value s(const char* x) { return std::string(x); }
  static ember::sql::Value n(std::int64_t x) { return x; }
  static ember::sql::Value null() { return std::monostate{}; }
};

TEST_F(SqlOperationsTest, SelectWithExpressionsAndSparkNames) {
  auto out =
      sales().select(col("who"), (col("qty") * 2).alias("double"), col("qty") + 1, col("qty") / 2);
  EXPECT_EQ(out.columns(), (std::vector<std::string>{"who", "double", "(qty + 1)", "(qty / 2)"}));
  auto rows = out.filter(col("who") == "ann").orderBy("double").collect();
  // `/` divides as doubles; arithmetic on null is null.
  EXPECT_EQ(rows,
            (std::vector<Row>{r({s("ann"), n(4), n(3), 1.0}), r({s("ann"), n(6), n(4), 1.5})}));
  auto cid = out.filter(col("who") == "cid").first();
  EXPECT_TRUE(cid.isNullAt(1) && cid.isNullAt(2) && cid.isNullAt(3));
  EXPECT_EQ(sales().select("what").distinct().orderBy("what").collect(),
            (std::vector<Row>{r({s("cake")}), r({s("coffee")}), r({s("tea")})}));
  EXPECT_EQ(sales().selectExpr({"upper(who) as who", "qty * 10 as q"}).columns(),
            (std::vector<std::string>{"who", "q"}));
}

TEST_F(SqlOperationsTest, FilterAndWhereWithNulls) {
  // A comparison with null is neither true nor false: the row is not kept (as Spark).
  EXPECT_EQ(sales().filter(col("qty") > 1).count(), 3);
  EXPECT_EQ(sales().filter(!(col("qty") > 1)).count(), 1);
  EXPECT_EQ(sales().where(col("qty").isNull()).select("who").collect(),
            (std::vector<Row>{r({s("cid")})}));
  EXPECT_EQ(sales().where(col("qty").isNotNull() && col("what") != "tea").count(), 2);
  EXPECT_EQ(sales().filter("qty >= 3 or who = 'cid'").count(), 3);
  EXPECT_EQ(sales().filter(col("what").like("c%")).count(), 2);
  EXPECT_EQ(sales().filter(col("who") == lit("ann") || col("qty") == 5).count(), 3);
}

TEST_F(SqlOperationsTest, GroupByCountAndAgg) {
  auto counts = sales().groupBy("what").count();
  EXPECT_EQ(counts.columns(), (std::vector<std::string>{"what", "count"}));
  EXPECT_EQ(sortedRows(counts.collect()),
            (std::vector<Row>{r({s("cake"), n(1)}), r({s("coffee"), n(1)}), r({s("tea"), n(3)})}));
  using ember::sql::avg;
  using ember::sql::count;
  using ember::sql::max;
  using ember::sql::sum;
  auto per_person =
      sales()
          .groupBy(col("who"))
          .agg(sum("qty"), avg("qty"), max(col("what")), count(col("qty")), count("*").alias("n"))
          .orderBy("who");
  EXPECT_EQ(per_person.columns(), (std::vector<std::string>{"who", "sum(qty)", "avg(qty)",
                                                            "max(what)", "count(qty)", "n"}));
  // sum of nothing but nulls is null; count(qty) skips nulls, count(*) does not.
  EXPECT_EQ(per_person.collect(),
            (std::vector<Row>{r({s("ann"), n(5), 2.5, s("tea"), n(2), n(2)}),
                              r({s("bob"), n(6), 3.0, s("tea"), n(2), n(2)}),
                              r({s("cid"), null(), null(), s("tea"), n(0), n(1)})}));
  EXPECT_EQ(per_person.schema()[2].dataType, DataType::Double);
  EXPECT_EQ(sales().agg(sum("qty"), ember::sql::countDistinct(col("who"))).first(),
            r({n(11), n(3)}));
  EXPECT_EQ(sortedRows(sales().groupBy("who").sum({"qty"}).collect()),
            (std::vector<Row>{r({s("ann"), n(5)}), r({s("bob"), n(6)}), r({s("cid"), null()})}));
}

TEST_F(SqlOperationsTest, OrderByLimitAndNullsOrder) {
  // Ascending puts nulls first and descending last, as Spark's defaults.
  EXPECT_EQ(sales().orderBy(col("qty")).select("who").limit(2).collect(),
            (std::vector<Row>{r({s("cid")}), r({s("bob")})}));
  EXPECT_EQ(sales().orderBy(col("qty").desc()).select("qty").collect(),
            (std::vector<Row>{r({n(5)}), r({n(3)}), r({n(2)}), r({n(1)}), r({null()})}));
  EXPECT_EQ(
      sales().orderBy(col("who").desc(), col("qty").asc()).limit(3).select("who", "qty").collect(),
      (std::vector<Row>{r({s("cid"), null()}), r({s("bob"), n(1)}), r({s("bob"), n(5)})}));
  EXPECT_EQ(sales().limit(0).count(), 0);
  EXPECT_EQ(sales().limit(2).count(), 2);
  EXPECT_THROW(sales().limit(-1), ember::IllegalArgumentError);
  EXPECT_THROW(sales().take(-1), ember::IllegalArgumentError);
}

TEST_F(SqlOperationsTest, JoinsOnUsingColumns) {
  auto inner = sales().join(people(), "who");
  EXPECT_EQ(inner.columns(), (std::vector<std::string>{"who", "what", "qty", "city"}));
  EXPECT_EQ(inner.count(), 4);
  auto left = sales()
                  .join(people(), std::vector<std::string>{"who"}, "left_outer")
                  .filter(col("city").isNull());
  EXPECT_EQ(left.select("who").collect(), (std::vector<Row>{r({s("cid")})}));
  auto right = sales().join(people(), std::vector<std::string>{"who"}, "right");
  EXPECT_EQ(right.filter(col("what").isNull()).select("who", "city").collect(),
            (std::vector<Row>{r({s("dan"), s("lima")})}));
  auto full = sales().join(people(), std::vector<std::string>{"who"}, "full_outer");
  EXPECT_EQ(full.count(), 6);
  EXPECT_EQ(sortedRows(full.select("who").distinct().collect()),
            (std::vector<Row>{r({s("ann")}), r({s("bob")}), r({s("cid")}), r({s("dan")})}));
  EXPECT_EQ(
      sortedRows(people().join(sales(), std::vector<std::string>{"who"}, "left_semi").collect()),
      (std::vector<Row>{r({s("ann"), s("oslo")}), r({s("bob"), s("rome")})}));
  EXPECT_EQ(people().join(sales(), std::vector<std::string>{"who"}, "anti").collect(),
            (std::vector<Row>{r({s("dan"), s("lima")})}));
  EXPECT_THROW(sales().join(people(), std::vector<std::string>{"who"}, "sideways"),
               ember::IllegalArgumentError);
  EXPECT_THROW(sales().join(people(), "city"), ember::IllegalArgumentError);
}

TEST_F(SqlOperationsTest, JoinsOnConditionsAndAliases) {
  auto a = sales();
  auto b = people();
  auto joined = a.join(b, a.col("who") == b.col("who") && b["city"] != "rome");
  EXPECT_EQ(joined.count(), 2);
  EXPECT_EQ(joined.select(a.col("qty"), b.col("city")).orderBy("qty").collect(),
            (std::vector<Row>{r({n(2), s("oslo")}), r({n(3), s("oslo")})}));
  auto x = sales().alias("x");
  auto y = sales().alias("y");
  auto pairs =
      x.join(y, col("x.who") == col("y.who") && col("x.what") < col("y.what"))
          .select(col("x.who"), col("x.what").alias("first"), col("y.what").alias("second"));
  EXPECT_EQ(sortedRows(pairs.collect()), (std::vector<Row>{r({s("ann"), s("coffee"), s("tea")}),
                                                           r({s("bob"), s("cake"), s("tea")})}));
  EXPECT_EQ(a.crossJoin(b).count(), 15);
  EXPECT_EQ(a.join(b).count(), 15);
}

TEST_F(SqlOperationsTest, ColumnsAddedRenamedDroppedAndUnions) {
  auto more =
      sales().withColumn("big", col("qty") > 2).withColumnRenamed("who", "name").drop("what");
  EXPECT_EQ(more.columns(), (std::vector<std::string>{"name", "qty", "big"}));
  EXPECT_EQ(more.filter(col("name") == "bob").orderBy("qty").collect(),
            (std::vector<Row>{r({s("bob"), n(1), n(0)}), r({s("bob"), n(5), n(1)})}));
  auto replaced = sales().withColumn("qty", ember::sql::lit(1));
  EXPECT_EQ(replaced.columns(), (std::vector<std::string>{"who", "what", "qty"}));
  EXPECT_EQ(replaced.agg(ember::sql::sum("qty")).first(), r({n(5)}));
  EXPECT_EQ(sales().drop("nope").columns().size(), 3u);
  EXPECT_EQ(people().toDF({"a", "b"}).columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(people().toDF({"a"}), ember::IllegalArgumentError);
  EXPECT_EQ(people().union_(people()).count(), 6);
  EXPECT_EQ(ember::sql::unionAll({people(), people(), people()}).count(), 9);
  EXPECT_THROW(people().union_(sales()).count(), ember::sql::AnalysisError);
}

TEST_F(SqlOperationsTest, ViewsOfOperationsAndSqlOverThem) {
  sales().filter(col("qty").isNotNull()).createOrReplaceTempView("sold");
  people().createOrReplaceTempView("people");
  auto cities = session.sql(
      "select city, sum(qty) as total from sold join people using (who) group by city order by "
      "city");
  EXPECT_EQ(cities.collect(), (std::vector<Row>{r({s("oslo"), n(5)}), r({s("rome"), n(6)})}));
  // A result of sql() is a DataFrame like any other.
  EXPECT_EQ(cities.filter(col("total") > 5).select("city").collect(),
            (std::vector<Row>{r({s("rome")})}));
}

TEST_F(SqlOperationsTest, SameAnswersWhateverThePartitioning) {
  std::vector<std::string> words;
  for (int i = 0; i < 1000; ++i) words.push_back("w" + std::to_string(i % 37));
  std::vector<Row> expected;
  for (int p : {1, 3, 8}) {
    auto counts = ember::sql::toDF(engine.parallelize(words, p), "word")
                      .groupBy("word")
                      .count()
                      .orderBy(col("count").desc(), col("word"))
                      .collect();
    if (expected.empty()) expected = counts;
    EXPECT_EQ(counts, expected) << p << " partitions";
  }
  ASSERT_EQ(expected.size(), 37u);
  EXPECT_EQ(expected.front(), r({s("w0"), n(28)}));
  EXPECT_EQ(expected.back(), r({s("w9"), n(27)}));
}

}  // namespace
