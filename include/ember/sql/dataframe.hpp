#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ember/core/rdd.hpp"
#include "ember/sql/column.hpp"
#include "ember/sql/row.hpp"
#include "ember/sql/types.hpp"

namespace ember::sql {

class SparkSession;
class GroupedData;

namespace detail {
struct Plan;
class SessionState;
}  // namespace detail

/// A distributed table with named, typed columns (Spark's DataFrame): a cheap, copyable,
/// immutable handle. Made from a dataset (`toDF`, `SparkSession::createDataFrame`) or by
/// `SparkSession::sql`; transformations return new DataFrames and compute nothing. Every
/// operation is translated to SQL and run by the session's embedded engine (SQLite), which loads
/// the rows of each dataset it reads once, in one transaction; a DataFrame made from a dataset
/// and not transformed is read directly.
///
/// Errors: actions throw AnalysisError (the engine's message and the statement) when the SQL of
/// an operation is refused (an unknown column, a type the engine cannot compare) and
/// TaskFailedError when computing a dataset fails. Arguments are checked where they are given
/// (IllegalArgumentError). The operations that need their input's columns (withColumn,
/// withColumnRenamed, drop, toDF, join on using columns) read its schema, which may run its
/// query, and then throw what an action throws.
class DataFrame {
 public:
  explicit DataFrame(std::shared_ptr<const detail::Plan> plan) : plan_(std::move(plan)) {}

  // What it is.
  /// The columns' names and types (runs the query when the DataFrame came from SQL and its types
  /// depend on the data).
  StructType schema() const;
  std::vector<std::string> columns() const { return schema().fieldNames(); }
  /// Prints schema().treeString() to standard output.
  void printSchema() const;
  /// The SQL text this DataFrame runs (for a DataFrame made from a dataset, a SELECT of its
  /// table).
  const std::string& sqlText() const;
  SparkSession sparkSession() const;

  // Actions.
  std::vector<Row> collect() const;
  std::int64_t count() const;
  /// The first n rows (n >= 0, else IllegalArgumentError).
  std::vector<Row> take(int n) const;
  std::vector<Row> head(int n) const { return take(n); }
  /// Throws NoSuchElementError when empty.
  Row first() const;
  bool isEmpty() const;
  /// Prints showString(numRows, truncate ? 20 : 0) and a blank line, as Spark's show.
  void show(int numRows = 20, bool truncate = true) const;
  void show(int numRows, int truncate) const;
  void show(bool truncate) const { show(20, truncate); }
  /// Spark's table: "+----+" borders, the header, the first numRows rows (cells cut to
  /// `truncate` characters, "..." included, and right-aligned when truncate > 0; left-aligned
  /// otherwise), "only showing top N rows" when there are more.
  std::string showString(int numRows = 20, int truncate = 20) const;
  /// The rows as a dataset on the session's engine (the query's result, computed now).
  Rdd<Row> toRdd() const;
  Rdd<Row> rdd() const { return toRdd(); }

  // Transformations, each one SQL SELECT over this DataFrame.
  DataFrame select(const std::vector<Column>& columns) const;
  template <class... C>
  DataFrame select(const C&... columns) const {
    return select(std::vector<Column>{toCol(columns)...});
  }
  /// Each string is a SQL expression (Spark's selectExpr).
  DataFrame selectExpr(const std::vector<std::string>& expressions) const;
  DataFrame filter(const Column& condition) const;
  /// A SQL condition as text, e.g. filter("count > 1").
  DataFrame filter(const std::string& condition) const;
  DataFrame where(const Column& condition) const { return filter(condition); }
  DataFrame where(const std::string& condition) const { return filter(condition); }
  GroupedData groupBy(const std::vector<Column>& columns) const;
  template <class... C>
  GroupedData groupBy(const C&... columns) const;
  /// Aggregates over all rows (groupBy() with no columns).
  DataFrame agg(const std::vector<Column>& aggregates) const;
  template <class... C>
  DataFrame agg(const Column& first, const C&... rest) const {
    return agg(std::vector<Column>{first, rest...});
  }
  DataFrame orderBy(const std::vector<Column>& columns) const;
  template <class... C>
  DataFrame orderBy(const C&... columns) const {
    return orderBy(std::vector<Column>{toCol(columns)...});
  }
  template <class... C>
  DataFrame sort(const C&... columns) const {
    return orderBy(columns...);
  }
  /// The first n rows (n >= 0, else IllegalArgumentError).
  DataFrame limit(int n) const;
  DataFrame distinct() const;
  /// Rows of both, duplicates kept, matched by position (Spark's union / unionAll). Different
  /// column counts fail the action with AnalysisError.
  DataFrame union_(const DataFrame& other) const;
  DataFrame unionAll(const DataFrame& other) const { return union_(other); }
  /// Joins. `joinType` is Spark's: inner, cross, outer/full/fullouter/full_outer,
  /// left/leftouter/left_outer, right/rightouter/right_outer, semi/leftsemi/left_semi,
  /// anti/leftanti/left_anti; another is refused with IllegalArgumentError. With using columns
  /// the result has each of them once, first, then the other columns of the left and the right.
  DataFrame join(const DataFrame& right) const;
  DataFrame join(const DataFrame& right, const std::string& usingColumn) const;
  DataFrame join(const DataFrame& right, const std::vector<std::string>& usingColumns,
                 const std::string& joinType = "inner") const;
  DataFrame join(const DataFrame& right, const Column& condition,
                 const std::string& joinType = "inner") const;
  /// Every pair of rows (Spark's crossJoin, and join(right) without a condition).
  DataFrame crossJoin(const DataFrame& right) const;
  /// Adds a column, or replaces the one of that name in its place.
  DataFrame withColumn(const std::string& name, const Column& value) const;
  DataFrame withColumnRenamed(const std::string& existing, const std::string& name) const;
  DataFrame drop(const std::string& name) const;
  /// The same rows with new column names, one per column (else IllegalArgumentError).
  DataFrame toDF(const std::vector<std::string>& names) const;
  /// The name this DataFrame is known by in joins: col("<alias>.x").
  DataFrame alias(const std::string& name) const;
  DataFrame as(const std::string& name) const { return alias(name); }
  /// Column `name` of this DataFrame, qualified so that it can be told apart in a join.
  Column col(const std::string& name) const;
  Column operator[](const std::string& name) const { return col(name); }

  /// Registers this DataFrame in its session under `name`, for SparkSession::sql, replacing a
  /// view of that name. Loads the datasets it reads into the engine now (one transaction each).
  /// Throws IllegalArgumentError for an empty name, AnalysisError when the engine refuses it.
  void createOrReplaceTempView(const std::string& name) const;
  /// Spark 1.x's name for it.
  void registerTempTable(const std::string& name) const { createOrReplaceTempView(name); }

  const std::shared_ptr<const detail::Plan>& plan() const { return plan_; }

 private:
  static Column toCol(const Column& c) { return c; }
  static Column toCol(std::string_view name) { return sql::col(name); }
  static Column toCol(const char* name) { return sql::col(name); }
  static Column toCol(const std::string& name) { return sql::col(name); }

  std::shared_ptr<const detail::Plan> plan_;
};

/// The result of groupBy: aggregations per group (Spark's RelationalGroupedDataset). The
/// grouping columns come first in every result, then the aggregates.
class GroupedData {
 public:
  GroupedData(DataFrame frame, std::vector<Column> groups)
      : frame_(std::move(frame)), groups_(std::move(groups)) {}

  /// The rows of each group, in a column named "count".
  DataFrame count() const;
  DataFrame agg(const std::vector<Column>& aggregates) const;
  template <class... C>
  DataFrame agg(const Column& first, const C&... rest) const {
    return agg(std::vector<Column>{first, rest...});
  }
  DataFrame sum(const std::vector<std::string>& columns) const;
  DataFrame avg(const std::vector<std::string>& columns) const;
  DataFrame mean(const std::vector<std::string>& columns) const { return avg(columns); }
  DataFrame min(const std::vector<std::string>& columns) const;
  DataFrame max(const std::vector<std::string>& columns) const;

 private:
  DataFrame frame_;
  std::vector<Column> groups_;
};

/// The rows of every frame, in order, duplicates kept (a fold of union_ that stays flat for
/// hundreds of frames). Throws IllegalArgumentError when frames is empty.
DataFrame unionAll(const std::vector<DataFrame>& frames);

template <class... C>
GroupedData DataFrame::groupBy(const C&... columns) const {
  return groupBy(std::vector<Column>{toCol(columns)...});
}

}  // namespace ember::sql
