#include "svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ui_format.hpp"

namespace ember::ui::detail {

namespace {

constexpr double kWidth = 360, kHeight = 150;
constexpr double kLeft = 44, kRight = 8, kTop = 18, kBottom = 26;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

std::string number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e12) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

std::string open(const char* kind) {
  return fmt::format(
      "<svg class=\"chart {}\" viewBox=\"0 0 {} {}\" preserveAspectRatio=\"xMinYMin meet\" "
      "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>"
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>",
      kind, kWidth, kHeight, kLeft, kTop, kLeft, kTop + kPlotH, kLeft, kTop + kPlotH,
      kLeft + kPlotW, kTop + kPlotH);
}

std::string text(double x, double y, const std::string& anchor, const std::string& s) {
  return fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"{}\">{}</text>", x, y, anchor,
      htmlEscape(s));
}

double maxOf(const ChartSeries& s) {
  double m = s.marker.value_or(0);
  for (const auto& p : s.points) m = std::max(m, p.second);
  return m > 0 ? m : 1;
}

std::string markerLine(const ChartSeries& s, double y) {
  return fmt::format(
             "<line class=\"marker\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" "
             "stroke=\"#c33\" stroke-dasharray=\"4 3\"/>",
             kLeft, y, kLeft + kPlotW, y) +
         text(kLeft + kPlotW, y - 3, "end", s.markerLabel);
}

}  // namespace

std::pair<std::string, double> durationUnit(double maxMs) {
  if (maxMs < 1000) return {"ms", 1};
  if (maxMs < 60'000) return {"sec", 1000};
  if (maxMs < 3'600'000) return {"min", 60'000};
  if (maxMs < 86'400'000) return {"hours", 3'600'000};
  return {"days", 86'400'000};
}

std::string timelineSvg(const ChartSeries& s) {
  std::string svg = open("timeline");
  const double max = maxOf(s);
  svg += text(kLeft - 4, kTop + 8, "end", number(max));
  svg += text(kLeft - 4, kTop + kPlotH, "end", "0");
  svg += text(kLeft, kTop - 6, "start", s.unit);
  if (!s.points.empty()) {
    const double t0 = static_cast<double>(s.points.front().first);
    const double t1 = static_cast<double>(s.points.back().first);
    const double span = t1 > t0 ? t1 - t0 : 1;
    std::string points;
    for (const auto& [t, v] : s.points) {
      const double x = s.points.size() == 1 ? kLeft + kPlotW / 2
                                            : kLeft + (static_cast<double>(t) - t0) / span * kPlotW;
      points += fmt::format("{:.1f},{:.1f} ", x, kTop + kPlotH - v / max * kPlotH);
    }
    svg += "<polyline fill=\"none\" stroke=\"#2a6ebb\" stroke-width=\"1.5\" points=\"" + points +
           "\"/>";
    svg += text(kLeft, kHeight - 8, "start",
                formatBatchTime(s.points.front().first, s.batchInterval, false));
    svg += text(kLeft + kPlotW, kHeight - 8, "end",
                formatBatchTime(s.points.back().first, s.batchInterval, false));
  }
  if (s.marker) svg += markerLine(s, kTop + kPlotH - *s.marker / max * kPlotH);
  return svg + "</svg>";
}

std::string histogramSvg(const ChartSeries& s) {
  std::string svg = open("histogram");
  constexpr int kBins = 10;
  double lo = 0, hi = maxOf(s);
  std::vector<int> bins(kBins, 0);
  for (const auto& p : s.points) {
    int b = static_cast<int>((p.second - lo) / (hi - lo) * kBins);
    bins[std::clamp(b, 0, kBins - 1)]++;
  }
  const int most = std::max(1, *std::max_element(bins.begin(), bins.end()));
  const double bar = kPlotW / kBins;
  for (int i = 0; i < kBins; ++i) {
    const double h = static_cast<double>(bins[i]) / most * kPlotH;
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#7fa9d6\">"
        "<title>{}</title></rect>",
        kLeft + i * bar + 1, kTop + kPlotH - h, bar - 2, h, fmt::format("{} batches", bins[i]));
  }
  svg += text(kLeft - 4, kTop + 8, "end", std::to_string(most));
  svg += text(kLeft - 4, kTop + kPlotH, "end", "0");
  svg += text(kLeft, kHeight - 8, "start", "0");
  svg += text(kLeft + kPlotW, kHeight - 8, "end", number(hi) + " " + s.unit);
  if (s.marker) {
    const double x = kLeft + *s.marker / hi * kPlotW;
    svg += fmt::format(
        "<line class=\"marker\" x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#c33\" "
        "stroke-dasharray=\"4 3\"/>",
        x, kTop, x, kTop + kPlotH);
  }
  return svg + "</svg>";
}

}  // namespace ember::ui::detail
