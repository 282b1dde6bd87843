#include "ember/sql/detail/source.hpp"

#include <sqlite3.h>

#include <atomic>

#include "ember/sql/errors.hpp"
#include "session_state.hpp"

namespace ember::sql::detail {

namespace {
std::atomic<long> g_next_source{0};

sqlite3_stmt* asStatement(void* p) {
  return static_cast<sqlite3_stmt*>(p);
}
}  // namespace

// SQLite numbers parameters from 1.
void TableWriter::null(int i) {
  sqlite3_bind_null(asStatement(statement_), i + 1);
}
void TableWriter::integer(int i, std::int64_t x) {
  sqlite3_bind_int64(asStatement(statement_), i + 1, x);
}
void TableWriter::real(int i, double x) {
  sqlite3_bind_double(asStatement(statement_), i + 1, x);
}
void TableWriter::text(int i, std::string_view x) {
  // SQLITE_STATIC: the text lives until endRow() has stepped the statement.
  sqlite3_bind_text64(asStatement(statement_), i + 1, x.data(), x.size(), SQLITE_STATIC,
                      SQLITE_UTF8);
}

void TableWriter::endRow() {
  sqlite3_stmt* stmt = asStatement(statement_);
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) {
    std::string message = sqlite3_errmsg(sqlite3_db_handle(stmt));
    sqlite3_reset(stmt);
    throw AnalysisError(message, "INSERT INTO " + quoteIdentifier(table_));
  }
  sqlite3_reset(stmt);
}

void checkRow(const Row& row, const StructType& schema) {
  if (row.size() != schema.size()) {
    throw IllegalArgumentError("a row has " + std::to_string(row.size()) +
                               " values and the schema " + schema.simpleString() + " has " +
                               std::to_string(schema.size()) + " columns");
  }
  for (std::size_t i = 0; i < row.size(); ++i) {
    DataType t = typeOf(row.get(i));
    const StructField& field = schema[i];
    if (t == DataType::Null) {
      if (!field.nullable) {
        throw IllegalArgumentError("column '" + field.name +
                                   "' is not nullable and a row holds null in it");
      }
    } else if (t != field.dataType) {
      throw IllegalArgumentError("column '" + field.name + "' is " + typeName(field.dataType) +
                                 " and a row holds a " + typeName(t) +
                                 " value in it: " + formatValue(row.get(i)));
    }
  }
}

Source::Source(StructType schema)
    : schema_(std::move(schema)), table_("__ember_src_" + std::to_string(g_next_source++)) {}

Source::~Source() {
  std::lock_guard lock(mutex_);
  if (auto session = loaded_in_.lock()) session->requestDrop(table_);
}

void Source::setLoadedIn(const std::shared_ptr<SessionState>& session) const {
  std::lock_guard lock(mutex_);
  loaded_in_ = session;
  loaded_in_raw_ = session.get();
}

bool Source::isLoadedIn(const SessionState* session) const {
  std::lock_guard lock(mutex_);
  return loaded_in_raw_ == session && !loaded_in_.expired();
}

std::vector<Row> LocalSource::take(std::size_t n) const {
  return std::vector<Row>(rows_.begin(), rows_.begin() + std::min(n, rows_.size()));
}

Rdd<Row> LocalSource::toRdd() const {
  return engine_.parallelize(rows_);
}

void LocalSource::load(TableWriter& writer, std::mutex& mutex) const {
  std::lock_guard lock(mutex);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i)
      writeValue(writer, static_cast<int>(i), row.get(i));
    writer.endRow();
  }
}

}  // namespace ember::sql::detail
