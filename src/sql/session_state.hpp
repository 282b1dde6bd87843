#pragma once

// The state behind a SparkSession: its engine, its SQLite database (in memory) and its views.
// Internal: never installed.

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/engine.hpp"
#include "ember/sql/column.hpp"
#include "ember/sql/dataframe.hpp"
#include "ember/sql/detail/source.hpp"
#include "ember/sql/row.hpp"

namespace ember::sql::detail {

/// What a DataFrame is: the SQL it runs and the sources that SQL reads. Immutable.
struct Plan {
  std::shared_ptr<SessionState> session;
  /// Set when the DataFrame is a source as it was made, so actions can read it directly.
  std::shared_ptr<const Source> source;
  /// Every source the SQL reads; holding them keeps their tables in the database.
  std::vector<std::shared_ptr<const Source>> sources;
  /// A SELECT statement.
  std::string sql;
  /// The name this plan has in the FROM clause of the operations on it.
  std::string alias;
  /// For a join (and filters of one): its FROM clause, and its WHERE condition, so that the
  /// operations on it select from the join itself and can name the columns of either side
  /// (`left.col("x")`), as Spark allows.
  std::string join_from;
  std::string join_where;
  /// Known at creation for sources; found by running the query otherwise.
  mutable std::mutex schema_mutex;
  mutable std::optional<StructType> schema;
};

/// A statement's result: the columns and the rows read, and whether rows were left unread.
struct QueryResult {
  StructType schema;
  std::vector<Row> rows;
  bool more = false;
};

class SessionState : public std::enable_shared_from_this<SessionState> {
 public:
  /// Throws Error when the database cannot be opened.
  explicit SessionState(Engine engine, const Conf& conf = {});
  ~SessionState();
  SessionState(const SessionState&) = delete;
  SessionState& operator=(const SessionState&) = delete;

  const Engine& engine() const { return engine_; }
  /// The engine's settings with the session builder's over them.
  const Conf& conf() const { return conf_; }
  /// Whether timestamps print in UTC (spark.sql.session.timeZone = UTC) or in local time.
  bool utc() const { return utc_; }
  /// A fresh name for a plan in FROM clauses.
  std::string newAlias() { return "__ember_df_" + std::to_string(next_alias_++); }

  /// Runs the plan's query (loading its sources first) and reads at most max_rows rows.
  QueryResult run(const Plan& plan, std::optional<std::size_t> max_rows);
  /// Runs any statement the user gave and reads all its rows.
  QueryResult runStatement(const std::string& sql);
  /// Loads the plan's sources and (re)creates the view.
  void createView(const std::string& name, const DataFrame& frame);
  bool dropView(const std::string& name);
  /// Forgets every view (they hold the session; this breaks the cycle when it stops).
  void clearViews();
  std::optional<DataFrame> view(const std::string& name);
  std::vector<std::string> viewNames();

  /// Asks for a source's table to be dropped (from its destructor, on any thread); done at the
  /// start of the next statement.
  void requestDrop(std::string table);

 private:
  // All of these are called with mutex_ held.
  void dropPending();
  void ensureLoaded(const Plan& plan);
  void load(const Source& source);
  void exec(const std::string& sql);
  QueryResult query(const std::string& sql, std::optional<std::size_t> max_rows);

  Engine engine_;
  Conf conf_;
  bool utc_ = true;
  std::atomic<long> next_alias_{0};
  std::mutex mutex_;  // the database and the views
  sqlite3* db_ = nullptr;
  std::map<std::string, DataFrame> views_;
  std::mutex drops_mutex_;
  std::vector<std::string> drops_;
};

/// The plan's schema and its first max_rows rows (all when nothing), and whether there are more:
/// read from the source directly when the plan is one, else by the engine.
QueryResult fetch(const Plan& plan, std::optional<std::size_t> max_rows);

/// Throws AnalysisError with the database's current message and the statement.
[[noreturn]] void throwEngineError(sqlite3* db, const std::string& statement);

/// The declared SQL type a column of this type is created with.
const char* declaredType(DataType type);

}  // namespace ember::sql::detail
