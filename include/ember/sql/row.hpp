#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <variant>
#include <vector>

#include "ember/sql/types.hpp"

namespace ember::sql {

/// One cell: null (std::monostate), bigint, double, string, boolean or timestamp.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, bool, Timestamp>;

/// The type a value holds (DataType::Null for a null).
DataType typeOf(const Value& value);

/// A cell as Spark's show() prints it: "null", integers in decimal, doubles in Java's form
/// ("1.0", "1.0E7"), strings as they are, "true"/"false", timestamps as
/// "yyyy-MM-dd HH:mm:ss[.ffffff]" in UTC (or in local time when `utc` is false).
std::string formatValue(const Value& value, bool utc = true);

/// One record of a DataFrame (Spark's Row): cells by position.
///
/// The typed getters throw IllegalArgumentError when the index is out of range or the cell holds
/// another type (a null included: test it with isNullAt first), naming the index and the type.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  Row(std::initializer_list<Value> values) : values_(values) {}

  std::size_t size() const { return values_.size(); }
  std::size_t length() const { return values_.size(); }
  bool isNullAt(std::size_t i) const;
  /// Throws IllegalArgumentError when i is out of range.
  const Value& get(std::size_t i) const;
  std::int64_t getLong(std::size_t i) const;
  double getDouble(std::size_t i) const;
  const std::string& getString(std::size_t i) const;
  bool getBoolean(std::size_t i) const;
  Timestamp getTimestamp(std::size_t i) const;
  const std::vector<Value>& values() const { return values_; }
  std::vector<Value>& values() { return values_; }

  /// Spark's Row.toString: "[hello,2]", null as "null".
  std::string toString() const;

  friend bool operator==(const Row&, const Row&) = default;
  friend auto operator<=>(const Row& a, const Row& b) { return a.values_ <=> b.values_; }

 private:
  std::vector<Value> values_;
};

/// Prints Row::toString (so that rows print in pprint and test failures).
std::ostream& operator<<(std::ostream& os, const Row& row);

}  // namespace ember::sql
