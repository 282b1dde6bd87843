#include "ember/streaming/ops/output.hpp"

#include <time.h>

#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "../console_line.hpp"

namespace ember::detail {

std::string formatBatchTime(Time time) {
  std::int64_t ms = time.milliseconds();
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<int>(ms - secs * 1000);
  time_t t = static_cast<time_t>(secs);
  struct tm local {};
  localtime_r(&t, &local);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  std::string out(buf);
  if (millis != 0) out += fmt::format(".{:03d}", millis);
  return out;
}

void writeBlock(const std::string& block) {
  // The console status line, when shown, is erased around the block (the same lock serialises
  // blocks).
  withConsoleLineErased([&] {
    std::fwrite(block.data(), 1, block.size(), stdout);
    std::fflush(stdout);
  });
}

std::string batchFileName(const std::string& prefix, const std::string& suffix, Time time) {
  std::string name = std::to_string(time.milliseconds());
  if (!prefix.empty()) name = prefix + "-" + name;
  if (!suffix.empty()) name += "." + suffix;
  return name;
}

}  // namespace ember::detail
