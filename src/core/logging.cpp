#include "ember/core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

#include "ember/core/error.hpp"

namespace ember {

namespace {

spdlog::level::level_enum parseLevel(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw IllegalArgumentError("log level '" + level +
                               "' is not one of trace, debug, info, warn, error, off");
  }
  return parsed;
}

std::shared_ptr<spdlog::logger> makeLogger() {
  auto log = spdlog::stderr_color_mt("ember");
  log->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ [%n] %v");
  const char* env = std::getenv("EMBER_LOG_LEVEL");
  log->set_level(env != nullptr ? parseLevel(env) : spdlog::level::warn);
  return log;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> log = makeLogger();
  return log;
}

void setLogLevel(const std::string& level) {
  logger()->set_level(parseLevel(level));
}

}  // namespace ember
