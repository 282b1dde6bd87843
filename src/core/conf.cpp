#include "ember/core/conf.hpp"

#include <charconv>

#include "ember/core/error.hpp"

namespace ember {

namespace {

std::int64_t parseLong(const std::string& key, const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw IllegalArgumentError("configuration " + key + " = '" + text + "' is not an integer");
  }
  return value;
}

}  // namespace

Conf& Conf::set(std::string key, std::string value) {
  if (key.empty()) throw IllegalArgumentError("Conf::set: the key must not be empty");
  values_[std::move(key)] = std::move(value);
  return *this;
}

const std::string& Conf::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw NoSuchElementError("configuration key not set: " + key);
  return it->second;
}

std::string Conf::get(const std::string& key, const std::string& default_value) const {
  auto it = values_.find(key);
  return it == values_.end() ? default_value : it->second;
}

std::optional<std::string> Conf::getOption(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::int64_t Conf::getLong(const std::string& key, std::int64_t default_value) const {
  auto it = values_.find(key);
  return it == values_.end() ? default_value : parseLong(key, it->second);
}

int Conf::getInt(const std::string& key, int default_value) const {
  return static_cast<int>(getLong(key, default_value));
}

bool Conf::getBoolean(const std::string& key, bool default_value) const {
  auto it = values_.find(key);
  if (it == values_.end()) return default_value;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw IllegalArgumentError("configuration " + key + " = '" + it->second +
                             "' is not a boolean (allowed: true, false)");
}

std::int64_t Conf::getTimeAsMs(const std::string& key, std::int64_t default_ms) const {
  auto it = values_.find(key);
  if (it == values_.end()) return default_ms;
  const std::string& text = it->second;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::int64_t number = parseLong(key, text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (unit.empty() || unit == "ms") return number;
  if (unit == "s") return number * 1000;
  if (unit == "min" || unit == "m") return number * 60'000;
  if (unit == "h") return number * 3'600'000;
  throw IllegalArgumentError("configuration " + key + " = '" + text +
                             "' is not a duration (allowed units: ms, s, min, h)");
}

}  // namespace ember
