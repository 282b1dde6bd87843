#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ember::ui::detail {

/// The text with &, <, >, " and ' replaced by entities: safe inside elements and quoted
/// attributes.
std::string htmlEscape(std::string_view text);

/// Spark's UIUtils.formatDurationVerbose: "1 second", "5 minutes 3 seconds", "200 ms".
std::string formatDurationVerbose(std::int64_t ms);
/// Spark's UIUtils.formatDuration: "42 ms", "0.5 s", "12 s", "1.5 min", "2.0 h".
std::string formatDuration(std::int64_t ms);
/// formatDuration, or "-" for nothing.
std::string formatDurationOption(const std::optional<std::int64_t>& ms);
/// "yyyy/MM/dd HH:mm:ss" in local time (Spark's UIUtils.formatDate).
std::string formatDate(std::int64_t epochMs);
/// Spark's streaming UIUtils.formatBatchTime: formatDate, with ".SSS" when the batch interval is
/// under a second; without the date when !withDate.
std::string formatBatchTime(std::int64_t batchTime, std::int64_t batchInterval,
                            bool withDate = true);
/// The JSON API's dates, as Spark's: "2026-12-01T10:00:00.000GMT".
std::string jsonDate(std::int64_t epochMs);

}  // namespace ember::ui::detail
