#pragma once

// How a C++ element becomes a row: scalars are one column, pairs and tuples one column per
// member, aggregates (plain structs) one column per field, in declaration order. Every cell is
// written through a sink's typed calls, so loading a dataset into the SQL engine never builds a
// Row per element.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/sql/row.hpp"
#include "ember/sql/types.hpp"

namespace ember::sql::detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
struct IsTupleLike : std::false_type {};
template <class A, class B>
struct IsTupleLike<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct IsTupleLike<std::tuple<Ts...>> : std::true_type {};

/// The SQL type of a C++ cell type, or nothing for a type that is not a cell.
template <class X>
constexpr std::optional<DataType> cellType() {
  using T = std::remove_cvref_t<X>;
  if constexpr (IsOptional<T>::value) {
    return cellType<typename T::value_type>();
  } else if constexpr (std::is_same_v<T, bool>) {
    return DataType::Boolean;
  } else if constexpr (std::is_integral_v<T>) {
    return DataType::Long;
  } else if constexpr (std::is_floating_point_v<T>) {
    return DataType::Double;
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return DataType::String;
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return DataType::Timestamp;
  } else if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, std::nullptr_t>) {
    return DataType::Null;
  } else {
    return std::nullopt;
  }
}

template <class T>
concept Cell = cellType<T>()
.has_value();

/// Converts to any lvalue reference: counts an aggregate's fields by trying to brace-initialize
/// it with more and more of these.
struct AnyField {
  template <class U>
  operator U&() const&&;
};

template <class T, class... A>
concept BraceConstructible = requires {
  T{std::declval<A>()...};
};

template <class T, class... A>
constexpr std::size_t aggregateFieldCount() {
  if constexpr (sizeof...(A) > 12) {
    return sizeof...(A);
  } else if constexpr (BraceConstructible<T, A..., AnyField>) {
    return aggregateFieldCount<T, A..., AnyField>();
  } else {
    return sizeof...(A);
  }
}

/// The members of an aggregate, as a tuple of references (up to 12 fields).
template <class T>
auto tieAggregate(T& x) {
  constexpr std::size_t n = aggregateFieldCount<std::remove_const_t<T>>();
  static_assert(n >= 1 && n <= 12,
                "a struct used as a row needs between 1 and 12 fields, each a cell type (integer, "
                "floating point, bool, string, Timestamp or std::optional of one)");
  // clang-format off
  if constexpr (n == 1) { auto& [a] = x; return std::tie(a); }
  else if constexpr (n == 2) { auto& [a, b] = x; return std::tie(a, b); }
  else if constexpr (n == 3) { auto& [a, b, c] = x; return std::tie(a, b, c); }
  else if constexpr (n == 4) { auto& [a, b, c, d] = x; return std::tie(a, b, c, d); }
  else if constexpr (n == 5) { auto& [a, b, c, d, e] = x; return std::tie(a, b, c, d, e); }
  else if constexpr (n == 6) { auto& [a, b, c, d, e, f] = x; return std::tie(a, b, c, d, e, f); }
  else if constexpr (n == 7) { auto& [a, b, c, d, e, f, g] = x; return std::tie(a, b, c, d, e, f, g); }
  else if constexpr (n == 8) { auto& [a, b, c, d, e, f, g, h] = x; return std::tie(a, b, c, d, e, f, g, h); }
  else if constexpr (n == 9) { auto& [a, b, c, d, e, f, g, h, i] = x; return std::tie(a, b, c, d, e, f, g, h, i); }
  else if constexpr (n == 10) { auto& [a, b, c, d, e, f, g, h, i, j] = x; return std::tie(a, b, c, d, e, f, g, h, i, j); }
  else if constexpr (n == 11) { auto& [a, b, c, d, e, f, g, h, i, j, k] = x; return std::tie(a, b, c, d, e, f, g, h, i, j, k); }
  else { auto& [a, b, c, d, e, f, g, h, i, j, k, l] = x; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l); }
  // clang-format on
}

/// The cells of one element, as a tuple of const references.
template <class T>
auto fieldsOf(const T& x) {
  if constexpr (Cell<T>) {
    return std::tie(x);
  } else if constexpr (IsTupleLike<T>::value) {
    return std::apply([](const auto&... m) { return std::tie(m...); }, x);
  } else {
    static_assert(std::is_aggregate_v<T>,
                  "a DataFrame is made from elements that are cells (integer, floating point, "
                  "bool, string, Timestamp, std::optional of one), pairs, tuples or plain structs "
                  "of cells, or Rows with a schema");
    return tieAggregate(x);
  }
}

template <class T>
using FieldTuple = decltype(fieldsOf(std::declval<const T&>()));

template <class T>
constexpr std::size_t kFieldCount = std::tuple_size_v<FieldTuple<T>>;

template <class T, std::size_t... I>
StructType schemaOfImpl(const std::vector<std::string>& names, std::index_sequence<I...>) {
  StructType schema;
  auto add = [&](std::size_t i, auto tag) {
    using X = std::remove_cvref_t<typename decltype(tag)::type>;
    static_assert(Cell<X>,
                  "every member of a row must be a cell type: an integer, floating point, bool, "
                  "string, Timestamp or std::optional of one");
    constexpr bool nullable = IsOptional<X>::value || !std::is_arithmetic_v<X>;
    schema.add(names[i], *cellType<X>(), nullable);
  };
  (add(I, std::type_identity<std::tuple_element_t<I, FieldTuple<T>>>{}), ...);
  return schema;
}

/// The default column names: "value" for a cell (Spark's toDF of an RDD of strings), "_1", "_2",
/// ... for the members of tuples and structs.
template <class T>
std::vector<std::string> defaultNames() {
  if constexpr (Cell<T>) {
    return {"value"};
  } else {
    std::vector<std::string> names;
    for (std::size_t i = 1; i <= kFieldCount<T>; ++i) names.push_back("_" + std::to_string(i));
    return names;
  }
}

/// The schema of rows made of T, with the given column names (the defaults when empty). Throws
/// IllegalArgumentError when the count of names differs from the count of columns.
template <class T>
StructType schemaOf(std::vector<std::string> names) {
  if (names.empty()) names = defaultNames<T>();
  if (names.size() != kFieldCount<T>) {
    throw IllegalArgumentError("toDF: the number of columns doesn't match: the elements have " +
                               std::to_string(kFieldCount<T>) + " columns, " +
                               std::to_string(names.size()) + " names were given");
  }
  return schemaOfImpl<T>(names, std::make_index_sequence<kFieldCount<T>>{});
}

/// Writes one cell through a sink with null(i), integer(i, int64), real(i, double),
/// text(i, string_view), boolean(i, bool), timestamp(i, Timestamp).
template <class Sink, class X>
void writeCell(Sink& sink, int i, const X& x) {
  using T = std::remove_cvref_t<X>;
  if constexpr (IsOptional<T>::value) {
    if (x) {
      writeCell(sink, i, *x);
    } else {
      sink.null(i);
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    sink.boolean(i, x);
  } else if constexpr (std::is_integral_v<T>) {
    sink.integer(i, static_cast<std::int64_t>(x));
  } else if constexpr (std::is_floating_point_v<T>) {
    sink.real(i, static_cast<double>(x));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    if constexpr (std::is_pointer_v<T>) {
      if (x == nullptr) {
        sink.null(i);
        return;
      }
    }
    sink.text(i, std::string_view(x));
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    sink.timestamp(i, x);
  } else {
    sink.null(i);
  }
}

/// Writes every cell of one element.
template <class Sink, class T>
void writeElement(Sink& sink, const T& x) {
  std::apply(
      [&](const auto&... cells) {
        int i = 0;
        (writeCell(sink, i++, cells), ...);
      },
      fieldsOf(x));
}

/// Writes a value already in cell form.
template <class Sink>
void writeValue(Sink& sink, int i, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using X = std::remove_cvref_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) {
          sink.null(i);
        } else {
          writeCell(sink, i, x);
        }
      },
      v);
}

/// A sink that builds a Row.
struct RowBuilder {
  std::vector<Value> values;
  explicit RowBuilder(std::size_t n) : values(n) {}
  void null(int i) { values[i] = std::monostate{}; }
  void integer(int i, std::int64_t x) { values[i] = x; }
  void real(int i, double x) { values[i] = x; }
  void text(int i, std::string_view x) { values[i] = std::string(x); }
  void boolean(int i, bool x) { values[i] = x; }
  void timestamp(int i, Timestamp x) { values[i] = x; }
};

/// One element as a Row.
template <class T>
Row toRow(const T& x) {
  RowBuilder builder(kFieldCount<T>);
  writeElement(builder, x);
  return Row(std::move(builder.values));
}

}  // namespace ember::sql::detail
