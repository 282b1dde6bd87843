#include "ember/sql/row.hpp"

#include <fmt/format.h>

#include <ctime>
#include <ostream>

#include "ember/core/error.hpp"
#include "ember/core/show.hpp"

namespace ember::sql {

namespace {

template <class T>
const T& cellAs(const Row& row, std::size_t i, DataType wanted) {
  const Value& v = row.get(i);
  if (const T* x = std::get_if<T>(&v)) return *x;
  throw IllegalArgumentError(
      "Row: value " + std::to_string(i) + " is " +
      (typeOf(v) == DataType::Null ? std::string("null") : "a " + typeName(typeOf(v))) +
      ", not a " + typeName(wanted));
}

/// "yyyy-MM-dd HH:mm:ss" and, when there is one, the fraction without trailing zeros (Spark's
/// cast of a timestamp to string).
std::string formatTimestamp(Timestamp ts, bool utc) {
  std::int64_t seconds = ts.micros / 1000000;
  std::int64_t micros = ts.micros % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (utc) {
    gmtime_r(&t, &tm);
  } else {
    localtime_r(&t, &tm);
  }
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (micros != 0) {
    std::string fraction = fmt::format("{:06}", micros);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    out += '.' + fraction;
  }
  return out;
}

}  // namespace

DataType typeOf(const Value& value) {
  switch (value.index()) {
    case 1:
      return DataType::Long;
    case 2:
      return DataType::Double;
    case 3:
      return DataType::String;
    case 4:
      return DataType::Boolean;
    case 5:
      return DataType::Timestamp;
    default:
      return DataType::Null;
  }
}

std::string formatValue(const Value& value, bool utc) {
  return std::visit(
      [utc](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<X, Timestamp>) {
          return formatTimestamp(x, utc);
        } else if constexpr (std::is_same_v<X, std::string>) {
          return x;
        } else {
          return ember::toString(x);
        }
      },
      value);
}

bool Row::isNullAt(std::size_t i) const {
  return std::holds_alternative<std::monostate>(get(i));
}

const Value& Row::get(std::size_t i) const {
  if (i >= values_.size()) {
    throw IllegalArgumentError("Row: index " + std::to_string(i) +
                               " is out of range; the row has " + std::to_string(values_.size()) +
                               " values");
  }
  return values_[i];
}

std::int64_t Row::getLong(std::size_t i) const {
  return cellAs<std::int64_t>(*this, i, DataType::Long);
}
double Row::getDouble(std::size_t i) const {
  return cellAs<double>(*this, i, DataType::Double);
}
const std::string& Row::getString(std::size_t i) const {
  return cellAs<std::string>(*this, i, DataType::String);
}
bool Row::getBoolean(std::size_t i) const {
  return cellAs<bool>(*this, i, DataType::Boolean);
}
Timestamp Row::getTimestamp(std::size_t i) const {
  return cellAs<Timestamp>(*this, i, DataType::Timestamp);
}

std::string Row::toString() const {
  std::string out = "[";
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (i) out += ',';
    out += formatValue(values_[i]);
  }
  return out + ']';
}

std::ostream& operator<<(std::ostream& os, const Row& row) {
  return os << row.toString();
}

}  // namespace ember::sql
