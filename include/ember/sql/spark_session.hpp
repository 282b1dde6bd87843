#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/engine.hpp"
#include "ember/core/rdd.hpp"
#include "ember/sql/dataframe.hpp"
#include "ember/sql/detail/source.hpp"
#include "ember/sql/encoders.hpp"
#include "ember/sql/row.hpp"
#include "ember/sql/types.hpp"

namespace ember::sql {

/// The entry point of SQL (Spark's SparkSession): an engine (the batch engine's handle), one
/// embedded SQL database in memory, and the temporary views registered in it. A cheap, copyable
/// handle; thread-safe: statements from several threads run one at a time.
///
/// `SparkSession::builder().config(rdd.context().getConf()).getOrCreate()` gives the process's
/// session, made lazily on first use and made again when the engine it was bound to has been
/// stopped (a restarted driver), as the guide's lazily created singleton.
class SparkSession {
 public:
  class Builder {
   public:
    Builder& config(const Conf& conf);
    Builder& config(const std::string& key, const std::string& value);
    Builder& master(const std::string& master);
    Builder& appName(const std::string& name);
    /// The process's session when there is one whose engine is running (the given settings are
    /// then ignored, as Spark's for an existing context), else a new one on the active engine
    /// (or on a new engine made from the settings), which becomes the process's session.
    SparkSession getOrCreate();

   private:
    Conf conf_;
  };

  static Builder builder() { return Builder(); }
  /// A session on this engine: the process's session when it is bound to it, else a new one
  /// that becomes the process's session.
  static SparkSession getOrCreate(const Engine& engine);
  /// A new session on the engine, with its own database and views (Spark's newSession). Its
  /// views keep it alive: call stop() when done with it.
  static SparkSession create(const Engine& engine);

  explicit SparkSession(std::shared_ptr<detail::SessionState> state) : state_(std::move(state)) {}

  Engine sparkContext() const;
  const Conf& conf() const;

  /// Runs a statement now and returns its result (Spark analyses at this call, and so refuses a
  /// bad statement here: so does ember, and it also runs it, so that the result is that of the
  /// views as they are now). Throws AnalysisError with the engine's message and the statement.
  DataFrame sql(const std::string& statement) const;
  /// The view registered under name. Throws AnalysisError when there is none.
  DataFrame table(const std::string& name) const;
  /// Removes a view; false when there was none.
  bool dropTempView(const std::string& name) const;
  /// The names of the registered views, sorted.
  std::vector<std::string> tableNames() const;

  /// A DataFrame of a dataset's elements: cells, pairs, tuples or plain structs (see
  /// encoders.hpp), one column each, named by `names` (by default "value" for cells, "_1",
  /// "_2", ... otherwise). Throws IllegalArgumentError when the count of names is wrong.
  template <class T>
  DataFrame createDataFrame(const Rdd<T>& rdd, std::vector<std::string> names = {}) const {
    return fromSource(
        std::make_shared<detail::RddSource<T>>(detail::schemaOf<T>(std::move(names)), rdd));
  }
  /// A DataFrame of Rows with the given schema; a row that does not fit it fails the action that
  /// reads it with IllegalArgumentError.
  DataFrame createDataFrame(const Rdd<Row>& rdd, const StructType& schema) const {
    return fromSource(std::make_shared<detail::RddSource<Row>>(schema, rdd));
  }
  /// Rows in memory; each is checked against the schema now (IllegalArgumentError).
  DataFrame createDataFrame(std::vector<Row> rows, const StructType& schema) const;
  template <class T>
  DataFrame createDataFrame(const std::vector<T>& data, std::vector<std::string> names = {}) const {
    std::vector<Row> rows;
    rows.reserve(data.size());
    for (const auto& x : data) rows.push_back(detail::toRow(x));
    return createDataFrame(std::move(rows), detail::schemaOf<T>(std::move(names)));
  }

  /// Drops its views and forgets the process's session if it is this one (the next getOrCreate
  /// makes another). DataFrames made before stay usable.
  void stop() const;

  const std::shared_ptr<detail::SessionState>& state() const { return state_; }

 private:
  DataFrame fromSource(std::shared_ptr<const detail::Source> source) const;

  std::shared_ptr<detail::SessionState> state_;
};

/// `rdd.toDF("word")` of Scala's implicits: a DataFrame of the dataset on the session of its
/// engine (SparkSession::getOrCreate(rdd.context())). Throws IllegalArgumentError when the
/// count of names differs from the elements' columns.
template <class T, class... Names>
DataFrame toDF(const Rdd<T>& rdd, const Names&... names) {
  return SparkSession::getOrCreate(rdd.context())
      .createDataFrame(rdd, std::vector<std::string>{std::string(names)...});
}

}  // namespace ember::sql
