#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "ember/sql/types.hpp"

namespace ember::sql {

/// A column expression of the DataFrame operations (Spark's Column): a column by name, a
/// literal, or an operator or function applied to columns. It holds the SQL text the engine runs
/// and the name Spark gives the result column ("(a + 1)", "count(word)", "sum(n)"), which
/// `alias` replaces.
///
/// C++ operators stand for Spark's: `==` is `===`, `!=` is `=!=`, `&&`/`||`/`!` are
/// `and`/`or`/`not`. `/` divides as doubles, as in Spark SQL.
class Column {
 public:
  Column(std::string sql, std::string name) : sql_(std::move(sql)), name_(std::move(name)) {}

  /// The SQL text of the expression.
  const std::string& sql() const { return sql_; }
  /// The name of the column it makes.
  const std::string& name() const { return name_; }
  /// The text of a SELECT list entry: `<sql> AS "<name>"`.
  std::string selectSql() const;

  Column alias(std::string name) const { return Column(sql_, std::move(name)); }
  Column as(std::string name) const { return alias(std::move(name)); }
  /// Sort orders for orderBy (nulls first ascending, last descending, as Spark).
  Column asc() const;
  Column desc() const;
  Column isNull() const;
  Column isNotNull() const;
  /// SQL LIKE with `%` and `_`.
  Column like(std::string_view pattern) const;
  /// A conversion to the given type (Spark's cast).
  Column cast(DataType type) const;

 private:
  std::string sql_;
  std::string name_;
};

/// The column named `name`; "*" is every column; "t.x" is column x of the DataFrame aliased t.
Column col(std::string_view name);
inline Column column(std::string_view name) {
  return col(name);
}
/// A SQL expression as text, e.g. expr("length(word) > 3"); its name is the text.
Column expr(std::string sql);

/// Literals.
Column lit(std::int64_t value);
Column lit(double value);
Column lit(bool value);
Column lit(std::string_view value);
Column lit(Timestamp value);
inline Column lit(int value) {
  return lit(static_cast<std::int64_t>(value));
}
inline Column lit(const char* value) {
  return lit(std::string_view(value));
}
inline Column lit(const std::string& value) {
  return lit(std::string_view(value));
}
/// The null literal.
Column litNull();

namespace detail {
template <class T>
concept Literal = std::is_arithmetic_v<std::remove_cvref_t<T>> ||
    std::is_convertible_v<const T&, std::string_view> ||
    std::is_same_v<std::remove_cvref_t<T>, Timestamp>;

template <class T>
Column toColumn(const T& x) {
  if constexpr (std::is_same_v<T, Column>) {
    return x;
  } else if constexpr (std::is_same_v<T, bool>) {
    return lit(x);
  } else if constexpr (std::is_integral_v<T>) {
    return lit(static_cast<std::int64_t>(x));
  } else if constexpr (std::is_floating_point_v<T>) {
    return lit(static_cast<double>(x));
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return lit(x);
  } else {
    return lit(std::string_view(x));
  }
}

Column binary(const Column& a, std::string_view op, const Column& b);
}  // namespace detail

template <class T>
concept ColumnLike = std::is_same_v<std::remove_cvref_t<T>, Column> || detail::Literal<T>;

// Operators between a column and a column or a literal (either side).
#define EMBER_SQL_BINARY(OP, SQL)                                         \
  template <ColumnLike A, ColumnLike B>                                   \
  requires(std::is_same_v<std::remove_cvref_t<A>, Column> ||              \
           std::is_same_v<std::remove_cvref_t<B>, Column>) Column         \
  operator OP(const A& a, const B& b) {                                   \
    return detail::binary(detail::toColumn(a), SQL, detail::toColumn(b)); \
  }
EMBER_SQL_BINARY(==, "=")
EMBER_SQL_BINARY(!=, "!=")
EMBER_SQL_BINARY(<, "<")
EMBER_SQL_BINARY(<=, "<=")
EMBER_SQL_BINARY(>, ">")
EMBER_SQL_BINARY(>=, ">=")
EMBER_SQL_BINARY(&&, "AND")
EMBER_SQL_BINARY(||, "OR")
EMBER_SQL_BINARY(+, "+")
EMBER_SQL_BINARY(-, "-")
EMBER_SQL_BINARY(*, "*")
EMBER_SQL_BINARY(/, "/")
EMBER_SQL_BINARY(%, "%")
#undef EMBER_SQL_BINARY

Column operator!(const Column& a);
Column operator-(const Column& a);

// Aggregate functions (Spark's functions object); names as Spark's: "count(x)", "sum(x)".
/// count(col("*")) or count("*") counts rows and is named "count(1)", as Spark's.
Column count(const Column& c);
Column count(std::string_view name);
Column countDistinct(const Column& c);
Column sum(const Column& c);
Column avg(const Column& c);
inline Column mean(const Column& c) {
  return avg(c);
}
Column min(const Column& c);
Column max(const Column& c);
inline Column sum(std::string_view name) {
  return sum(col(name));
}
inline Column avg(std::string_view name) {
  return avg(col(name));
}
inline Column min(std::string_view name) {
  return min(col(name));
}
inline Column max(std::string_view name) {
  return max(col(name));
}
// Scalar functions.
Column upper(const Column& c);
Column lower(const Column& c);
Column length(const Column& c);
Column abs(const Column& c);

namespace detail {
/// `"name"` with inner quotes doubled: a SQL identifier.
std::string quoteIdentifier(std::string_view name);
/// `'text'` with inner quotes doubled: a SQL string literal.
std::string quoteString(std::string_view text);
}  // namespace detail

}  // namespace ember::sql
