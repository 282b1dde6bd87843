#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

namespace ember::sql {

/// The column types of a DataFrame, as Spark SQL's: bigint (every C++ integer type), double
/// (float and double), string, boolean, timestamp, and the type of a column that holds only
/// nulls.
enum class DataType { Null, Long, Double, String, Boolean, Timestamp };

/// Spark's simpleString of a type: "void", "bigint", "double", "string", "boolean", "timestamp".
std::string typeName(DataType type);

/// A point in time in microseconds since the Unix epoch, UTC (Spark's TimestampType).
struct Timestamp {
  std::int64_t micros = 0;

  static constexpr Timestamp fromMillis(std::int64_t ms) { return Timestamp{ms * 1000}; }
  static constexpr Timestamp fromSeconds(std::int64_t s) { return Timestamp{s * 1000000}; }
  friend constexpr auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

/// One column of a schema (Spark's StructField).
struct StructField {
  std::string name;
  DataType dataType = DataType::String;
  bool nullable = true;

  friend bool operator==(const StructField&, const StructField&) = default;
};

/// The columns of a DataFrame, in order (Spark's StructType).
class StructType {
 public:
  StructType() = default;
  explicit StructType(std::vector<StructField> fields) : fields_(std::move(fields)) {}

  /// Appends a column; returns *this for chaining, as Spark's `add`.
  StructType& add(std::string name, DataType type, bool nullable = true);

  const std::vector<StructField>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  const StructField& operator[](std::size_t i) const { return fields_[i]; }
  std::vector<std::string> fieldNames() const;
  /// The position of the column named `name`. Throws IllegalArgumentError naming the columns there
  /// are.
  std::size_t fieldIndex(const std::string& name) const;
  /// "struct<word:string,count:bigint>"
  std::string simpleString() const;
  /// Spark's printSchema text: "root\n |-- word: string (nullable = true)\n".
  std::string treeString() const;

  friend bool operator==(const StructType&, const StructType&) = default;

 private:
  std::vector<StructField> fields_;
};

}  // namespace ember::sql
