#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ember/core.hpp"
#include "ember/sql.hpp"

namespace ember_test {

/// A fresh engine (local[2], timestamps shown in UTC) and a session of its own per test.
class SqlTest : public testing::Test {
 protected:
  SqlTest()
      : engine(ember::Conf()
                   .setMaster("local[2]")
                   .setAppName("sql-test")
                   .set("spark.sql.session.timeZone", "UTC")),
        session(ember::sql::SparkSession::getOrCreate(engine)) {}
  ~SqlTest() override {
    session.stop();
    engine.stop();
  }

  ember::Engine engine;
  ember::sql::SparkSession session;
};

/// Rows sorted, for results whose order SQL leaves open.
inline std::vector<ember::sql::Row> sortedRows(std::vector<ember::sql::Row> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace ember_test
