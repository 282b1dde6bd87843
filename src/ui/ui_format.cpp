#include "ui_format.hpp"

#include <fmt/format.h>

#include <ctime>
#include <vector>

namespace ember::ui::detail {

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string unit(std::int64_t n, const char* name) {
  if (n == 0) return "";
  return std::to_string(n) + " " + name + (n == 1 ? "" : "s");
}

// Joins the non-empty parts with single spaces (Spark's strings leave double spaces where a part
// is empty; the page collapses them anyway).
std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

std::tm toTm(std::int64_t epochMs, bool utc) {
  std::time_t seconds =
      static_cast<std::time_t>(epochMs >= 0 ? epochMs / 1000 : (epochMs - 999) / 1000);
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  return tm;
}

int millisOf(std::int64_t epochMs) {
  return static_cast<int>(((epochMs % 1000) + 1000) % 1000);
}

}  // namespace

std::string formatDurationVerbose(std::int64_t ms) {
  constexpr std::int64_t second = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour,
                         week = 7 * day, year = 365 * day;
  const std::string millis =
      (ms >= second && ms % second == 0) ? "" : std::to_string(ms % second) + " ms";
  const std::string s = unit((ms % minute) / second, "second");
  const std::string m = unit((ms % hour) / minute, "minute");
  const std::string h = unit((ms % day) / hour, "hour");
  const std::string d = unit((ms % week) / day, "day");
  const std::string w = unit((ms % year) / week, "week");
  const std::string y = unit(ms / year, "year");
  if (ms < second) return millis;
  if (ms < minute) return join({s, millis});
  if (ms < hour) return join({m, s});
  if (ms < day) return join({h, m, s});
  if (ms < week) return join({d, h, m});
  if (ms < year) return join({w, d, h});
  return join({y, w, d});
}

std::string formatDuration(std::int64_t ms) {
  if (ms < 100) return fmt::format("{} ms", ms);
  const double seconds = static_cast<double>(ms) / 1000;
  if (seconds < 1) return fmt::format("{:.1f} s", seconds);
  if (seconds < 60) return fmt::format("{:.0f} s", seconds);
  const double minutes = seconds / 60;
  if (minutes < 10) return fmt::format("{:.1f} min", minutes);
  if (minutes < 60) return fmt::format("{:.0f} min", minutes);
  return fmt::format("{:.1f} h", minutes / 60);
}

std::string formatDurationOption(const std::optional<std::int64_t>& ms) {
  return ms ? formatDuration(*ms) : "-";
}

std::string formatDate(std::int64_t epochMs) {
  std::tm tm = toTm(epochMs, false);
  return fmt::format("{:04}/{:02}/{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string formatBatchTime(std::int64_t batchTime, std::int64_t batchInterval, bool withDate) {
  std::string text = formatDate(batchTime);
  if (batchInterval < 1000) text += fmt::format(".{:03}", millisOf(batchTime));
  if (!withDate) text = text.substr(text.find(' ') + 1);
  return text;
}

std::string jsonDate(std::int64_t epochMs) {
  std::tm tm = toTm(epochMs, true);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}GMT", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     millisOf(epochMs));
}

}  // namespace ember::ui::detail
