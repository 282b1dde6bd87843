// DataFrames from datasets, views, session.sql, show()'s format, collect and count.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "sql_test_support.hpp"

namespace {

using ember::sql::DataType;
using ember::sql::Row;
using ember::sql::StructType;
using ember::sql::Timestamp;
using ember::sql::Value;
using ember_test::sortedRows;
using ember_test::SqlTest;

struct JavaRow {  // the guide's Java bean, as a plain struct
  std::string word;
};

struct Person {
  std::string name;
  std::int64_t age;
  std::optional<double> score;
  bool active;
};

TEST_F(SqlTest, WordCountOfTheGuide) {
  auto words = engine.parallelize(std::vector<std::string>{"to", "be", "or", "not", "to", "be"}, 3);
  auto frame = ember::sql::toDF(words, "word");
  frame.createOrReplaceTempView("words");
  auto counts = session.sql(
      "select word, count(*) as total from words group by word order by total desc, word");
  EXPECT_EQ(counts.showString(),
            "+----+-----+\n"
            "|word|total|\n"
            "+----+-----+\n"
            "|  be|    2|\n"
            "|  to|    2|\n"
            "| not|    1|\n"
            "|  or|    1|\n"
            "+----+-----+\n");
  EXPECT_EQ(counts.count(), 4);
  EXPECT_EQ(counts.schema(),
            StructType().add("word", DataType::String).add("total", DataType::Long));
  EXPECT_EQ(counts.collect()[0], (Row{std::string("be"), std::int64_t{2}}));
}

TEST_F(SqlTest, ToDFOfStructsPairsTuplesAndCells) {
  auto beans = ember::sql::toDF(engine.parallelize(std::vector<JavaRow>{{"a"}, {"b"}}), "word");
  EXPECT_EQ(beans.columns(), std::vector<std::string>{"word"});
  EXPECT_EQ(beans.collect(), (std::vector<Row>{{std::string("a")}, {std::string("b")}}));

  auto pairs = ember::sql::toDF(
      engine.parallelize(std::vector<std::pair<std::string, int>>{{"x", 1}}), "word", "count");
  EXPECT_EQ(pairs.schema(),
            StructType().add("word", DataType::String).add("count", DataType::Long, false));
  auto tuples = ember::sql::toDF(
      engine.parallelize(std::vector<std::tuple<int, double, bool>>{{1, 2.5, true}}));
  EXPECT_EQ(tuples.columns(), (std::vector<std::string>{"_1", "_2", "_3"}));
  EXPECT_EQ(tuples.first(), (Row{std::int64_t{1}, 2.5, true}));
  auto cells = ember::sql::toDF(engine.parallelize(std::vector<std::string>{"v"}));
  EXPECT_EQ(cells.columns(), std::vector<std::string>{"value"});

  EXPECT_THROW(ember::sql::toDF(engine.parallelize(std::vector<std::string>{"v"}), "a", "b"),
               ember::IllegalArgumentError);
}

TEST_F(SqlTest, EveryColumnTypeThroughTheEngine) {
  std::vector<Person> people = {{"ann", 31, 1.5, true}, {"bob", 40, std::nullopt, false}};
  auto frame =
      session.createDataFrame(engine.parallelize(people, 2), {"name", "age", "score", "active"});
  frame.createOrReplaceTempView("people");
  auto all = session.sql("select * from people order by name");
  EXPECT_EQ(all.schema(), StructType()
                              .add("name", DataType::String)
                              .add("age", DataType::Long)
                              .add("score", DataType::Double)
                              .add("active", DataType::Boolean));
  EXPECT_EQ(all.collect(),
            (std::vector<Row>{{std::string("ann"), std::int64_t{31}, 1.5, true},
                              {std::string("bob"), std::int64_t{40}, std::monostate{}, false}}));
  EXPECT_EQ(all.showString(),
            "+----+---+-----+------+\n"
            "|name|age|score|active|\n"
            "+----+---+-----+------+\n"
            "| ann| 31|  1.5|  true|\n"
            "| bob| 40| null| false|\n"
            "+----+---+-----+------+\n");
  // The same through an operation (the engine) and directly (no operation).
  EXPECT_EQ(frame.filter(ember::sql::col("age") > 0).orderBy("name").collect(), all.collect());
}

TEST_F(SqlTest, TimestampsAndNullColumns) {
  StructType schema = StructType().add("at", DataType::Timestamp).add("missing", DataType::Null);
  std::vector<Row> rows = {{Timestamp::fromSeconds(1700000000), std::monostate{}},
                           {Timestamp{1700000000123400}, std::monostate{}}};
  auto frame = session.createDataFrame(rows, schema);
  EXPECT_EQ(frame.showString(),
            "+--------------------+-------+\n"
            "|                  at|missing|\n"
            "+--------------------+-------+\n"
            "| 2023-11-14 22:13:20|   null|\n"
            "|2023-11-14 22:13:...|   null|\n"
            "+--------------------+-------+\n");
  EXPECT_EQ(frame.showString(20, 0),
            "+------------------------+-------+\n"
            "|at                      |missing|\n"
            "+------------------------+-------+\n"
            "|2023-11-14 22:13:20     |null   |\n"
            "|2023-11-14 22:13:20.1234|null   |\n"
            "+------------------------+-------+\n");
  frame.createOrReplaceTempView("times");
  auto through = session.sql("select at, missing from times order by at desc");
  EXPECT_EQ(through.schema()[0].dataType, DataType::Timestamp);
  EXPECT_EQ(through.first().getTimestamp(0), Timestamp{1700000000123400});
  EXPECT_TRUE(through.first().isNullAt(1));
}

TEST_F(SqlTest, ShowTruncatesAndAlignsAsSpark) {
  std::vector<std::pair<std::string, double>> data = {
      {"a string of twenty-five c", 1e7}, {"short", -0.5}, {"x", 100.0}};
  auto frame = session.createDataFrame(data, {"text", "number"});
  EXPECT_EQ(frame.showString(),
            "+--------------------+------+\n"
            "|                text|number|\n"
            "+--------------------+------+\n"
            "|a string of twent...| 1.0E7|\n"
            "|               short|  -0.5|\n"
            "|                   x| 100.0|\n"
            "+--------------------+------+\n");
  EXPECT_EQ(frame.showString(2, 0),
            "+-------------------------+------+\n"
            "|text                     |number|\n"
            "+-------------------------+------+\n"
            "|a string of twenty-five c|1.0E7 |\n"
            "|short                    |-0.5  |\n"
            "+-------------------------+------+\n"
            "only showing top 2 rows\n");
  // Below four characters there is no room for "...": the cell is cut; names are never cut.
  EXPECT_EQ(frame.showString(1, 3),
            "+----+------+\n"
            "|text|number|\n"
            "+----+------+\n"
            "| a s|   1.0|\n"
            "+----+------+\n"
            "only showing top 1 row\n");
  EXPECT_EQ(frame.showString(0),
            "+----+------+\n"
            "|text|number|\n"
            "+----+------+\n"
            "+----+------+\n"
            "only showing top 0 rows\n");
}

TEST_F(SqlTest, ShowEscapesControlCharactersAndPrintsABlankLine) {
  auto frame = session.createDataFrame(std::vector<std::string>{"a\tb", "c\nd"}, {"s"});
  EXPECT_EQ(frame.showString(),
            "+----+\n"
            "|   s|\n"
            "+----+\n"
            "|a\\tb|\n"
            "|c\\nd|\n"
            "+----+\n");
  testing::internal::CaptureStdout();
  frame.show();
  EXPECT_EQ(testing::internal::GetCapturedStdout(), frame.showString() + "\n");
}

TEST_F(SqlTest, EmptyDataFrames) {
  auto empty = ember::sql::toDF(engine.parallelize(std::vector<std::string>{}, 2), "word");
  EXPECT_EQ(empty.count(), 0);
  EXPECT_TRUE(empty.isEmpty());
  EXPECT_THROW(empty.first(), ember::NoSuchElementError);
  EXPECT_EQ(empty.showString(),
            "+----+\n"
            "|word|\n"
            "+----+\n"
            "+----+\n");
  empty.createOrReplaceTempView("words");
  auto counts = session.sql("select word, count(*) as total from words group by word");
  EXPECT_EQ(counts.count(), 0);
  EXPECT_EQ(counts.columns(), (std::vector<std::string>{"word", "total"}));
}

TEST_F(SqlTest, ViewsAreReplacedAndDropped) {
  ember::sql::toDF(engine.parallelize(std::vector<int>{1, 2, 3}), "n").createOrReplaceTempView("t");
  auto before = session.sql("select sum(n) from t");
  ember::sql::toDF(engine.parallelize(std::vector<int>{10}), "n").createOrReplaceTempView("t");
  // A result is that of the view when the statement ran.
  EXPECT_EQ(before.first().getLong(0), 6);
  EXPECT_EQ(session.sql("select sum(n) from t").first().getLong(0), 10);
  EXPECT_EQ(session.tableNames(), std::vector<std::string>{"t"});
  EXPECT_EQ(session.table("t").count(), 1);
  EXPECT_TRUE(session.dropTempView("t"));
  EXPECT_FALSE(session.dropTempView("t"));
  EXPECT_THROW(session.sql("select * from t"), ember::sql::AnalysisError);
  EXPECT_THROW(session.table("t"), ember::sql::AnalysisError);
}

TEST_F(SqlTest, ToRddAndRowAccessors) {
  auto frame = session.createDataFrame(std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", 2}},
                                       {"k", "v"});
  auto rows = frame.filter("v > 1").toRdd().collect();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].getString(0), "b");
  EXPECT_EQ(rows[0].getLong(1), 2);
  EXPECT_EQ(rows[0].toString(), "[b,2]");
  EXPECT_THROW(rows[0].getDouble(1), ember::IllegalArgumentError);
  EXPECT_THROW(rows[0].get(2), ember::IllegalArgumentError);
  EXPECT_EQ(sortedRows(frame.toRdd().collect()), frame.collect());
}

TEST_F(SqlTest, RowsAreCheckedAgainstTheirSchema) {
  StructType schema = StructType().add("n", DataType::Long, false);
  EXPECT_THROW(session.createDataFrame({Row{std::string("x")}}, schema),
               ember::IllegalArgumentError);
  EXPECT_THROW(session.createDataFrame({Row{std::monostate{}}}, schema),
               ember::IllegalArgumentError);
  EXPECT_THROW(session.createDataFrame({Row{std::int64_t{1}, std::int64_t{2}}}, schema),
               ember::IllegalArgumentError);
  auto lazy = session.createDataFrame(engine.parallelize(std::vector<Row>{Row{1.5}}), schema);
  const char* message = "column 'n' is bigint and a row holds a double value in it: 1.5";
  try {
    lazy.collect();
    ADD_FAILURE() << "collect of a row that does not fit did not throw";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_STREQ(e.what(), message);
  }
  try {
    lazy.createOrReplaceTempView("bad");
    ADD_FAILURE() << "loading a row that does not fit did not throw";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_EQ(e.causeMessage(), message);
  }
  // The failed load left nothing behind: the name can be used again.
  session.createDataFrame({Row{std::int64_t{7}}}, schema).createOrReplaceTempView("bad");
  EXPECT_EQ(session.sql("select n from bad").first().getLong(0), 7);
}

TEST_F(SqlTest, PrintSchema) {
  auto frame = session.createDataFrame(std::vector<std::pair<std::string, double>>{{"a", 1}},
                                       {"word", "weight"});
  EXPECT_EQ(frame.schema().treeString(),
            "root\n"
            " |-- word: string (nullable = true)\n"
            " |-- weight: double (nullable = false)\n");
  EXPECT_EQ(frame.schema().simpleString(), "struct<word:string,weight:double>");
}

TEST_F(SqlTest, SparkSessionIsALazySingletonPerEngine) {
  auto again = ember::sql::SparkSession::builder().config(engine.getConf()).getOrCreate();
  EXPECT_EQ(again.state(), session.state());
  EXPECT_EQ(ember::sql::SparkSession::getOrCreate(engine).state(), session.state());
  // A restarted driver has a new engine: the session is made again on it.
  engine.stop();
  ember::Engine restarted("local[2]", "restarted");
  auto fresh = ember::sql::SparkSession::builder().config(restarted.getConf()).getOrCreate();
  EXPECT_NE(fresh.state(), session.state());
  EXPECT_EQ(fresh.sparkContext().state(), restarted.state());
  fresh.stop();
  restarted.stop();
}

}  // namespace
