#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace ember {

/// The logger all of ember writes to (name "ember", standard error). Its level starts at `warn`,
/// or at the level named by the environment variable EMBER_LOG_LEVEL (trace, debug, info, warn,
/// error, off). Safe to call from any thread.
std::shared_ptr<spdlog::logger> logger();

/// Sets the level of ember's logger: "trace", "debug", "info", "warn", "error" or "off".
/// Throws IllegalArgumentError for any other name.
void setLogLevel(const std::string& level);

}  // namespace ember
