// A statement the engine refuses is an AnalysisError with the engine's message and the statement;
// inside a batch it fails that batch, and the context reports it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/testing.hpp"
#include "sql_test_support.hpp"

namespace {

using ember::sql::AnalysisError;
using ember::sql::col;
using ember_test::SqlTest;
using testing::HasSubstr;

class SqlErrorsTest : public SqlTest {
 protected:
  void SetUp() override {
    ember::sql::toDF(engine.parallelize(std::vector<std::string>{"a", "b"}), "word")
        .createOrReplaceTempView("words");
  }
  /// The error a statement fails with.
  AnalysisError errorOf(const std::string& statement) {
    try {
      session.sql(statement);
    } catch (const AnalysisError& e) {
      return e;
    }
    ADD_FAILURE() << "no error for: " << statement;
    return AnalysisError("", "");
  }
};

TEST_F(SqlErrorsTest, SyntaxError) {
  auto e = errorOf("selec word from words");
  EXPECT_EQ(e.engineMessage(), "near \"selec\": syntax error");
  EXPECT_EQ(e.statement(), "selec word from words");
  EXPECT_STREQ(e.what(), "near \"selec\": syntax error; in statement: selec word from words");
}

TEST_F(SqlErrorsTest, UnknownTableAndColumn) {
  EXPECT_EQ(errorOf("select * from wrods").engineMessage(), "no such table: wrods");
  EXPECT_EQ(errorOf("select wrod from words").engineMessage(), "no such column: wrod");
}

TEST_F(SqlErrorsTest, TypeMismatch) {
  EXPECT_EQ(errorOf("select word from words limit 'many'").engineMessage(), "datatype mismatch");
}

TEST_F(SqlErrorsTest, MoreThanOneStatement) {
  EXPECT_THAT(errorOf("select 1; select 2").engineMessage(), HasSubstr("one statement"));
}

TEST_F(SqlErrorsTest, DataFrameOperationsCarryTheirSql) {
  auto bad = session.table("words").filter(col("nope") > 1);
  try {
    bad.collect();
    FAIL() << "no error";
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.engineMessage(), "no such column: nope");
    EXPECT_EQ(e.statement(), bad.sqlText());
    EXPECT_THAT(e.statement(), HasSubstr("WHERE (\"nope\" > 1)"));
  }
  EXPECT_THROW(bad.createOrReplaceTempView("bad"), AnalysisError);
  // The session goes on working after an error.
  EXPECT_EQ(session.sql("select count(*) from words").first().getLong(0), 2);
}

TEST_F(SqlErrorsTest, ArgumentsAreRefusedWhereTheyAreGiven) {
  auto words = session.table("words");
  EXPECT_THROW(words.createOrReplaceTempView(""), ember::IllegalArgumentError);
  EXPECT_THROW(words.select(std::vector<ember::sql::Column>{}), ember::IllegalArgumentError);
  EXPECT_THROW(words.alias(""), ember::IllegalArgumentError);
  EXPECT_THROW(ember::sql::unionAll({}), ember::IllegalArgumentError);
}

TEST(SqlBatchErrorsTest, AnErrorInABatchFailsItAndIsRethrown) {
  using Batches = std::vector<std::vector<std::string>>;
  auto run = [] {
    return ember::testing::runOperation(
        Batches{{"a", "b"}},
        [](const ember::DStream<std::string>& words) {
          words.foreachRDD([](const ember::Rdd<std::string>& rdd) {
            ember::sql::toDF(rdd, "word").createOrReplaceTempView("words");
            ember::sql::SparkSession::getOrCreate(rdd.context())
                .sql("select word, count(*) from wordz group by word")
                .show();
          });
          return words;
        },
        1);
  };
  try {
    run();
    FAIL() << "the batch did not fail";
  } catch (const ember::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no such table: wordz"));
    EXPECT_THAT(e.what(), HasSubstr("select word, count(*) from wordz group by word"));
  }
}

}  // namespace
