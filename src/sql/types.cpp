#include "ember/sql/types.hpp"

#include "ember/core/error.hpp"

namespace ember::sql {

std::string typeName(DataType type) {
  switch (type) {
    case DataType::Null:
      return "void";
    case DataType::Long:
      return "bigint";
    case DataType::Double:
      return "double";
    case DataType::String:
      return "string";
    case DataType::Boolean:
      return "boolean";
    case DataType::Timestamp:
      return "timestamp";
  }
  return "unknown";
}

StructType& StructType::add(std::string name, DataType type, bool nullable) {
  fields_.push_back(StructField{std::move(name), type, nullable});
  return *this;
}

std::vector<std::string> StructType::fieldNames() const {
  std::vector<std::string> names;
  names.reserve(fields_.size());
  for (const auto& f : fields_) names.push_back(f.name);
  return names;
}

std::size_t StructType::fieldIndex(const std::string& name) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  std::string names;
  for (const auto& f : fields_) names += (names.empty() ? "" : ", ") + f.name;
  throw IllegalArgumentError("no column named '" + name + "'; the columns are: " + names);
}

std::string StructType::simpleString() const {
  std::string out = "struct<";
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ',';
    out += fields_[i].name + ':' + typeName(fields_[i].dataType);
  }
  return out + '>';
}

std::string StructType::treeString() const {
  std::string out = "root\n";
  for (const auto& f : fields_) {
    out += " |-- " + f.name + ": " + typeName(f.dataType) +
           " (nullable = " + (f.nullable ? "true" : "false") + ")\n";
  }
  return out;
}

}  // namespace ember::sql
