#include "session_state.hpp"

#include <algorithm>

#include "ember/core/error.hpp"
#include "ember/sql/errors.hpp"

namespace ember::sql::detail {

namespace {

/// Finalizes a statement when it goes out of scope.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt); }
};

bool isUtc(const std::string& zone) {
  return zone == "UTC" || zone == "GMT" || zone == "Z" || zone == "Etc/UTC" || zone == "+00:00";
}

/// The column type a declared type stands for, or nothing for an expression (no declared type)
/// or a type ember did not declare.
std::optional<DataType> fromDeclared(const char* declared) {
  if (declared == nullptr) return std::nullopt;
  std::string d(declared);
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::toupper(c); });
  if (d == "BIGINT" || d == "INTEGER" || d == "INT") return DataType::Long;
  if (d == "DOUBLE" || d == "REAL" || d == "FLOAT") return DataType::Double;
  if (d == "TEXT" || d == "STRING" || d == "VARCHAR") return DataType::String;
  if (d == "BOOLEAN") return DataType::Boolean;
  if (d == "TIMESTAMP") return DataType::Timestamp;
  return std::nullopt;
}

/// A cell read from the engine, converted to the column's type when it has one.
Value readCell(sqlite3_stmt* stmt, int i, std::optional<DataType> type) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
      return std::monostate{};
    case SQLITE_INTEGER: {
      std::int64_t v = sqlite3_column_int64(stmt, i);
      if (type == DataType::Boolean) return v != 0;
      if (type == DataType::Timestamp) return Timestamp{v};
      if (type == DataType::Double) return static_cast<double>(v);
      return v;
    }
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
  }
}

/// The type of a column without a declared type, from the values read: bigint when all are
/// integers, double when any is a double among numbers, string when any is text.
DataType inferType(const std::vector<Row>& rows, std::size_t i) {
  DataType type = DataType::Null;
  for (const auto& row : rows) {
    DataType t = typeOf(row.get(i));
    if (t == DataType::Null || t == type) continue;
    if (type == DataType::Null) {
      type = t;
    } else if ((type == DataType::Long && t == DataType::Double) ||
               (type == DataType::Double && t == DataType::Long)) {
      type = DataType::Double;
    } else {
      type = DataType::String;
    }
  }
  return type;
}

/// Makes every cell of column i hold the column's type (integers in a double column become
/// doubles; numbers in a string column become their text).
void conform(std::vector<Row>& rows, std::size_t i, DataType type) {
  for (auto& row : rows) {
    Value& v = row.values()[i];
    if (type == DataType::Double && std::holds_alternative<std::int64_t>(v)) {
      v = static_cast<double>(std::get<std::int64_t>(v));
    } else if (type == DataType::String && !std::holds_alternative<std::string>(v) &&
               !std::holds_alternative<std::monostate>(v)) {
      v = formatValue(v);
    }
  }
}

}  // namespace

[[noreturn]] void throwEngineError(sqlite3* db, const std::string& statement) {
  throw AnalysisError(sqlite3_errmsg(db), statement);
}

const char* declaredType(DataType type) {
  switch (type) {
    case DataType::Long:
      return "BIGINT";
    case DataType::Double:
      return "DOUBLE";
    case DataType::String:
      return "TEXT";
    case DataType::Boolean:
      return "BOOLEAN";
    case DataType::Timestamp:
      return "TIMESTAMP";
    case DataType::Null:
      break;
  }
  return "";
}

SessionState::SessionState(Engine engine, const Conf& conf)
    : engine_(std::move(engine)), conf_(engine_.getConf()) {
  for (const auto& [key, value] : conf.getAll()) conf_.set(key, value);
  // Spark prints timestamps in the session time zone, the local one unless set.
  utc_ = isUtc(conf_.get("spark.sql.session.timeZone", ""));
  if (sqlite3_open_v2(":memory:", &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error("SparkSession: cannot open the in-memory SQL database: " + message);
  }
  // A double-quoted name that is no column must be an error, not a string: SQLite's legacy
  // reading would turn col("misspelt") into the text 'misspelt'.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  // Sorts and groupings stay in memory rather than spilling to temporary files, and the page
  // cache is large enough for a batch's tables (the database is in memory anyway).
  exec("PRAGMA temp_store = MEMORY");
  exec("PRAGMA cache_size = -1048576");
}

SessionState::~SessionState() {
  views_.clear();
  sqlite3_close_v2(db_);
}

void SessionState::requestDrop(std::string table) {
  std::lock_guard lock(drops_mutex_);
  drops_.push_back(std::move(table));
}

void SessionState::dropPending() {
  std::vector<std::string> drops;
  {
    std::lock_guard lock(drops_mutex_);
    drops.swap(drops_);
  }
  for (const auto& table : drops) exec("DROP TABLE IF EXISTS main." + quoteIdentifier(table));
}

void SessionState::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw AnalysisError(message, sql);
  }
}

void SessionState::ensureLoaded(const Plan& plan) {
  for (const auto& source : plan.sources) {
    if (!source->isLoadedIn(this)) load(*source);
  }
}

void SessionState::load(const Source& source) {
  const StructType& schema = source.schema();
  std::string table = "main." + quoteIdentifier(source.tableName());
  std::string create = "CREATE TABLE " + table + " (";
  std::string insert = "INSERT INTO " + table + " VALUES (";
  for (std::size_t i = 0; i < schema.size(); ++i) {
    if (i) {
      create += ", ";
      insert += ", ";
    }
    create += quoteIdentifier(schema[i].name);
    if (schema[i].dataType != DataType::Null) {
      create += ' ';
      create += declaredType(schema[i].dataType);
    }
    insert += '?';
  }
  create += ')';
  insert += ')';
  exec("DROP TABLE IF EXISTS " + table);
  exec(create);
  Statement stmt;
  if (sqlite3_prepare_v2(db_, insert.c_str(), -1, &stmt.stmt, nullptr) != SQLITE_OK) {
    throwEngineError(db_, insert);
  }
  // One transaction for the whole table: SQLite then writes its pages once, not once per row.
  exec("BEGIN");
  try {
    TableWriter writer(stmt.stmt, source.tableName());
    std::mutex writer_mutex;
    source.load(writer, writer_mutex);
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_exec(db_, ("DROP TABLE IF EXISTS " + table).c_str(), nullptr, nullptr, nullptr);
    throw;
  }
  source.setLoadedIn(shared_from_this());
}

QueryResult SessionState::query(const std::string& sql, std::optional<std::size_t> max_rows) {
  Statement stmt;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt.stmt, &tail) != SQLITE_OK) {
    throwEngineError(db_, sql);
  }
  if (stmt.stmt == nullptr) return {};  // only comments or white space
  int n = sqlite3_column_count(stmt.stmt);
  std::vector<std::optional<DataType>> declared(n);
  QueryResult result;
  for (int i = 0; i < n; ++i) declared[i] = fromDeclared(sqlite3_column_decltype(stmt.stmt, i));
  std::size_t limit = max_rows.value_or(static_cast<std::size_t>(-1));
  while (true) {
    int rc = sqlite3_step(stmt.stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) throwEngineError(db_, sql);
    if (result.rows.size() == limit) {
      result.more = true;
      break;
    }
    std::vector<Value> values(n);
    for (int i = 0; i < n; ++i) values[i] = readCell(stmt.stmt, i, declared[i]);
    result.rows.emplace_back(std::move(values));
  }
  for (int i = 0; i < n; ++i) {
    DataType type = declared[i] ? *declared[i] : inferType(result.rows, i);
    conform(result.rows, i, type);
    result.schema.add(sqlite3_column_name(stmt.stmt, i), type);
  }
  // A second statement after the first is refused rather than silently ignored.
  if (tail != nullptr) {
    std::string rest(tail);
    if (rest.find_first_not_of(" \t\r\n;") != std::string::npos) {
      throw AnalysisError("only one statement can be run at a time; found more after the first",
                          sql);
    }
  }
  return result;
}

QueryResult SessionState::run(const Plan& plan, std::optional<std::size_t> max_rows) {
  std::lock_guard lock(mutex_);
  dropPending();
  ensureLoaded(plan);
  return query(plan.sql, max_rows);
}

QueryResult SessionState::runStatement(const std::string& sql) {
  std::lock_guard lock(mutex_);
  dropPending();
  return query(sql, std::nullopt);
}

void SessionState::createView(const std::string& name, const DataFrame& frame) {
  std::lock_guard lock(mutex_);
  dropPending();
  ensureLoaded(*frame.plan());
  {
    // SQLite resolves a view's names only when it is used: preparing its query now refuses a bad
    // one here, as Spark's analysis does, and leaves the view it would replace in place.
    Statement check;
    if (sqlite3_prepare_v2(db_, frame.plan()->sql.c_str(), -1, &check.stmt, nullptr) != SQLITE_OK) {
      throwEngineError(db_, frame.plan()->sql);
    }
  }
  std::string view = quoteIdentifier(name);
  exec("DROP VIEW IF EXISTS temp." + view);
  exec("CREATE TEMP VIEW " + view + " AS " + frame.plan()->sql);
  views_.insert_or_assign(name, frame);
}

bool SessionState::dropView(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = views_.find(name);
  if (it == views_.end()) return false;
  exec("DROP VIEW IF EXISTS temp." + quoteIdentifier(name));
  views_.erase(it);
  return true;
}

void SessionState::clearViews() {
  std::map<std::string, DataFrame> views;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, frame] : views_) {
      sqlite3_exec(db_, ("DROP VIEW IF EXISTS temp." + quoteIdentifier(name)).c_str(), nullptr,
                   nullptr, nullptr);
    }
    views.swap(views_);
  }
  // The frames die here, outside the lock: their sources ask for their tables to be dropped.
}

QueryResult fetch(const Plan& plan, std::optional<std::size_t> max_rows) {
  if (!plan.source) return plan.session->run(plan, max_rows);
  QueryResult result;
  result.schema = plan.source->schema();
  if (max_rows) {
    result.rows = plan.source->take(*max_rows + 1);
    result.more = result.rows.size() > *max_rows;
    if (result.more) result.rows.resize(*max_rows);
  } else {
    result.rows = plan.source->collect();
  }
  return result;
}

std::optional<DataFrame> SessionState::view(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = views_.find(name);
  if (it == views_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> SessionState::viewNames() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, frame] : views_) names.push_back(name);
  return names;
}

}  // namespace ember::sql::detail
