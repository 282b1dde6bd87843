#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ember::ui::detail {

/// Server-drawn charts of the Streaming page: inline SVG that scales to its container (a phone's
/// width included), with no script.
struct ChartSeries {
  std::vector<std::pair<std::int64_t, double>> points;  // (batch time ms, value), by time
  std::string unit;                                     // for the axis: "ms", "events/sec"
  std::optional<double> marker;  // a dashed line at this value (the batch interval)
  std::string markerLabel;
  std::int64_t batchInterval = 1000;
};

/// A line over batch time with the first and last batch times and the maximum on the axes.
std::string timelineSvg(const ChartSeries& series);
/// The values' distribution in ten bins between their minimum and maximum.
std::string histogramSvg(const ChartSeries& series);
/// For delays: the unit (ms, sec, min, hours) that reads best for values up to maxMs, with the
/// number of milliseconds in it (Spark's streaming UIUtils.normalizeDuration).
std::pair<std::string, double> durationUnit(double maxMs);

}  // namespace ember::ui::detail
