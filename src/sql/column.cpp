#include "ember/sql/column.hpp"

#include <fmt/format.h>

#include <cmath>

#include "ember/core/show.hpp"

namespace ember::sql {

namespace detail {

std::string quoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string quoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + '\'';
}

Column binary(const Column& a, std::string_view op, const Column& b) {
  std::string name = op == "!=" ? "(NOT (" + a.name() + " = " + b.name() + "))"
                                : "(" + a.name() + " " + std::string(op) + " " + b.name() + ")";
  if (op == "/") {
    // Spark's `/` is a division of doubles, even between integers.
    return Column("(CAST(" + a.sql() + " AS REAL) / " + b.sql() + ")", std::move(name));
  }
  return Column("(" + a.sql() + " " + std::string(op) + " " + b.sql() + ")", std::move(name));
}

namespace {
Column function(std::string_view fn, const Column& c) {
  return Column(std::string(fn) + "(" + c.sql() + ")", std::string(fn) + "(" + c.name() + ")");
}
}  // namespace

}  // namespace detail

std::string Column::selectSql() const {
  if (sql_ == "*" || (sql_.size() > 2 && sql_.ends_with(".*"))) return sql_;
  return sql_ + " AS " + detail::quoteIdentifier(name_);
}

Column Column::asc() const {
  return Column(sql_ + " ASC", name_ + " ASC NULLS FIRST");
}
Column Column::desc() const {
  return Column(sql_ + " DESC", name_ + " DESC NULLS LAST");
}
Column Column::isNull() const {
  return Column("(" + sql_ + " IS NULL)", "(" + name_ + " IS NULL)");
}
Column Column::isNotNull() const {
  return Column("(" + sql_ + " IS NOT NULL)", "(" + name_ + " IS NOT NULL)");
}
Column Column::like(std::string_view pattern) const {
  return Column("(" + sql_ + " LIKE " + detail::quoteString(pattern) + ")",
                name_ + " LIKE " + std::string(pattern));
}
Column Column::cast(DataType type) const {
  const char* target = "TEXT";
  switch (type) {
    case DataType::Long:
    case DataType::Timestamp:
      target = "INTEGER";
      break;
    case DataType::Double:
      target = "REAL";
      break;
    case DataType::Boolean:
      return Column("(CAST(" + sql_ + " AS INTEGER) != 0)", "CAST(" + name_ + " AS BOOLEAN)");
    case DataType::String:
    case DataType::Null:
      break;
  }
  return Column("CAST(" + sql_ + " AS " + target + ")",
                "CAST(" + name_ + " AS " + fmt::format("{}", typeName(type)) + ")");
}

Column col(std::string_view name) {
  if (name == "*") return Column("*", "*");
  auto dot = name.find('.');
  if (dot != std::string_view::npos && dot > 0 && dot + 1 < name.size()) {
    std::string_view table = name.substr(0, dot);
    std::string_view column = name.substr(dot + 1);
    if (column == "*") return Column(detail::quoteIdentifier(table) + ".*", std::string(name));
    return Column(detail::quoteIdentifier(table) + "." + detail::quoteIdentifier(column),
                  std::string(column));
  }
  return Column(detail::quoteIdentifier(name), std::string(name));
}

Column expr(std::string sql) {
  std::string name = sql;
  return Column("(" + sql + ")", std::move(name));
}

Column lit(std::int64_t value) {
  return Column(std::to_string(value), std::to_string(value));
}
Column lit(double value) {
  // The shortest text that reads back as the same double, and a decimal point so SQLite takes
  // it as REAL.
  std::string shown = ember::toString(value);
  std::string sql = fmt::format("{}", value);
  if (sql.find_first_of(".eE") == std::string::npos &&
      sql.find_first_of("ni") == std::string::npos) {
    sql += ".0";
  }
  if (std::isnan(value)) sql = "NULL";
  if (std::isinf(value)) sql = value > 0 ? "9e999" : "-9e999";  // SQLite reads these as infinities
  return Column(std::move(sql), std::move(shown));
}
Column lit(bool value) {
  return Column(value ? "1" : "0", value ? "true" : "false");
}
Column lit(std::string_view value) {
  return Column(detail::quoteString(value), std::string(value));
}
Column lit(Timestamp value) {
  return Column(std::to_string(value.micros), "TIMESTAMP " + std::to_string(value.micros));
}
Column litNull() {
  return Column("NULL", "NULL");
}

Column operator!(const Column& a) {
  return Column("(NOT " + a.sql() + ")", "(NOT " + a.name() + ")");
}
Column operator-(const Column& a) {
  return Column("(- " + a.sql() + ")", "(- " + a.name() + ")");
}

Column count(const Column& c) {
  if (c.sql() == "*") return Column("count(*)", "count(1)");
  return detail::function("count", c);
}
Column count(std::string_view name) {
  return count(col(name));
}
Column countDistinct(const Column& c) {
  return Column("count(DISTINCT " + c.sql() + ")", "count(DISTINCT " + c.name() + ")");
}
Column sum(const Column& c) {
  return detail::function("sum", c);
}
Column avg(const Column& c) {
  return detail::function("avg", c);
}
Column min(const Column& c) {
  return detail::function("min", c);
}
Column max(const Column& c) {
  return detail::function("max", c);
}
Column upper(const Column& c) {
  return detail::function("upper", c);
}
Column lower(const Column& c) {
  return detail::function("lower", c);
}
Column length(const Column& c) {
  return detail::function("length", c);
}
Column abs(const Column& c) {
  return detail::function("abs", c);
}

}  // namespace ember::sql
