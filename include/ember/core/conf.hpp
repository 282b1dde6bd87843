#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ember {

/// Key-value configuration, as SparkConf: `Conf().setMaster("local[2]").setAppName("x")`.
/// Keys are Spark's (`spark.master`, `spark.app.name`, `spark.streaming.*`, ...).
class Conf {
 public:
  Conf() = default;

  Conf& setMaster(std::string master) { return set("spark.master", std::move(master)); }
  Conf& setAppName(std::string name) { return set("spark.app.name", std::move(name)); }
  Conf& set(std::string key, std::string value);

  bool contains(const std::string& key) const { return values_.count(key) != 0; }

  /// Throws NoSuchElementError when the key is not set.
  const std::string& get(const std::string& key) const;
  std::string get(const std::string& key, const std::string& default_value) const;
  std::optional<std::string> getOption(const std::string& key) const;

  /// Throw IllegalArgumentError naming the key when the value is not a number / boolean.
  std::int64_t getLong(const std::string& key, std::int64_t default_value) const;
  int getInt(const std::string& key, int default_value) const;
  bool getBoolean(const std::string& key, bool default_value) const;
  /// A duration such as "200ms", "2s", "1min", or a bare number of milliseconds.
  std::int64_t getTimeAsMs(const std::string& key, std::int64_t default_ms) const;

  const std::map<std::string, std::string>& getAll() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace ember
