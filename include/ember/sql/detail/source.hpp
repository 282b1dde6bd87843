#pragma once

// The data behind a DataFrame made from a dataset or from rows: what the session loads into the
// SQL engine (one table per source, in one transaction) and what actions on an unchanged
// DataFrame read directly, without the engine.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ember/core/ops/actions.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/ops/parallelize.hpp"
#include "ember/core/rdd.hpp"
#include "ember/sql/encoders.hpp"
#include "ember/sql/row.hpp"
#include "ember/sql/types.hpp"

namespace ember::sql::detail {

class SessionState;

/// Inserts rows into one table of the engine through one prepared statement: a typed call per
/// cell, then endRow(). Used by one thread at a time.
class TableWriter {
 public:
  TableWriter(void* statement, std::string table)
      : statement_(statement), table_(std::move(table)) {}
  void null(int i);
  void integer(int i, std::int64_t x);
  void real(int i, double x);
  void text(int i, std::string_view x);
  void boolean(int i, bool x) { integer(i, x ? 1 : 0); }
  void timestamp(int i, Timestamp x) { integer(i, x.micros); }
  /// Inserts the row bound so far. Throws AnalysisError with the engine's message.
  void endRow();

 private:
  void* statement_;  // sqlite3_stmt*, kept out of the public headers
  std::string table_;
};

/// Checks a Row against a schema (its length, each cell's type, nulls only where nullable) and
/// throws IllegalArgumentError naming the column and the types when it does not fit.
void checkRow(const Row& row, const StructType& schema);

/// Rows of a schema, loadable into the engine. Immutable once made; thread-safe.
class Source {
 public:
  explicit Source(StructType schema);
  virtual ~Source();
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  const StructType& schema() const { return schema_; }
  /// The engine's table this source is loaded into: "__ember_src_<id>".
  const std::string& tableName() const { return table_; }

  virtual std::vector<Row> take(std::size_t n) const = 0;
  virtual std::vector<Row> collect() const = 0;
  virtual std::int64_t count() const = 0;
  virtual Rdd<Row> toRdd() const = 0;
  /// Writes every row through `writer`; calls to the writer are made under `mutex` (the
  /// partitions are computed in parallel, the engine takes one row at a time).
  virtual void load(TableWriter& writer, std::mutex& mutex) const = 0;

  /// The session whose engine holds this source's table, once loaded. Set by the session under
  /// its lock; the destructor asks that session to drop the table.
  void setLoadedIn(const std::shared_ptr<SessionState>& session) const;
  bool isLoadedIn(const SessionState* session) const;

 private:
  StructType schema_;
  std::string table_;
  mutable std::mutex mutex_;
  mutable std::weak_ptr<SessionState> loaded_in_;
  mutable const SessionState* loaded_in_raw_ = nullptr;
};

/// Rows already in memory (results of session.sql, createDataFrame of a vector).
class LocalSource final : public Source {
 public:
  LocalSource(StructType schema, std::vector<Row> rows, Engine engine)
      : Source(std::move(schema)), rows_(std::move(rows)), engine_(std::move(engine)) {}

  std::vector<Row> take(std::size_t n) const override;
  std::vector<Row> collect() const override { return rows_; }
  std::int64_t count() const override { return static_cast<std::int64_t>(rows_.size()); }
  Rdd<Row> toRdd() const override;
  void load(TableWriter& writer, std::mutex& mutex) const override;

 private:
  std::vector<Row> rows_;
  Engine engine_;
};

/// The elements of a dataset, each written as a row (see encoders.hpp); Rdd<Row> is checked
/// against its schema.
template <class T>
class RddSource final : public Source {
 public:
  RddSource(StructType schema, Rdd<T> rdd) : Source(std::move(schema)), rdd_(std::move(rdd)) {}

  std::vector<Row> take(std::size_t n) const override {
    return rows(rdd_.take(static_cast<int>(std::min<std::size_t>(n, 1u << 30))));
  }
  std::vector<Row> collect() const override { return rows(rdd_.collect()); }
  std::int64_t count() const override { return rdd_.count(); }
  Rdd<Row> toRdd() const override {
    if constexpr (std::is_same_v<T, Row>) {
      StructType schema = this->schema();
      return rdd_.map([schema](Row r) {
        checkRow(r, schema);
        return r;
      });
    } else {
      return rdd_.map([](const T& x) { return toRow(x); });
    }
  }
  void load(TableWriter& writer, std::mutex& mutex) const override {
    const StructType& schema = this->schema();
    rdd_.foreachPartition([&](std::vector<T>& part) {
      std::lock_guard lock(mutex);
      for (const T& x : part) {
        if constexpr (std::is_same_v<T, Row>) {
          checkRow(x, schema);
          for (std::size_t i = 0; i < x.size(); ++i)
            writeValue(writer, static_cast<int>(i), x.get(i));
        } else {
          writeElement(writer, x);
        }
        writer.endRow();
      }
    });
  }

 private:
  std::vector<Row> rows(std::vector<T> data) const {
    std::vector<Row> out;
    out.reserve(data.size());
    for (auto& x : data) {
      if constexpr (std::is_same_v<T, Row>) {
        checkRow(x, this->schema());
        out.push_back(std::move(x));
      } else {
        out.push_back(toRow(x));
      }
    }
    return out;
  }

  Rdd<T> rdd_;
};

}  // namespace ember::sql::detail
