#include "ember/ui/stats_report_listener.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember::ui {

std::optional<Distribution> Distribution::of(std::vector<double> data) {
  if (data.empty()) return std::nullopt;
  std::sort(data.begin(), data.end());
  return Distribution(std::move(data));
}

const std::vector<double>& Distribution::defaultProbabilities() {
  static const std::vector<double> kProbabilities = {0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1};
  return kProbabilities;
}

std::vector<double> Distribution::getQuantiles(const std::vector<double>& probabilities) const {
  std::vector<double> out;
  const auto n = static_cast<std::int64_t>(data_.size());
  for (double p : probabilities) {
    auto index = std::min(static_cast<std::int64_t>(p * static_cast<double>(n)), n - 1);
    out.push_back(data_[static_cast<std::size_t>(index)]);
  }
  return out;
}

double Distribution::mean() const {
  double sum = 0;
  for (double v : data_) sum += v;
  return sum / static_cast<double>(data_.size());
}

double Distribution::stdev() const {
  const double m = mean();
  double squares = 0;
  for (double v : data_) squares += (v - m) * (v - m);
  return std::sqrt(squares / static_cast<double>(data_.size()));
}

std::string Distribution::statCounterString() const {
  return fmt::format("(count: {}, mean: {:.6f}, stdev: {:.6f}, max: {:.6f}, min: {:.6f})", count(),
                     mean(), stdev(), max(), min());
}

StatsReportListener::StatsReportListener(int numBatchInfos) : num_batch_infos_(numBatchInfos) {
  if (numBatchInfos <= 0) {
    throw IllegalArgumentError("StatsReportListener: numBatchInfos must be positive, got " +
                               std::to_string(numBatchInfos));
  }
}

std::string StatsReportListener::millisToString(double ms) {
  constexpr double kSecond = 1000;
  constexpr double kMinute = 60 * kSecond;
  constexpr double kHour = 60 * kMinute;
  if (ms > kHour) return fmt::format("{:.1f} hours", ms / kHour);
  if (ms > kMinute) return fmt::format("{:.1f} min", ms / kMinute);
  if (ms > kSecond) return fmt::format("{:.1f} s", ms / kSecond);
  return fmt::format("{:.1f} ms", ms);
}

std::vector<std::string> StatsReportListener::report() const {
  std::vector<std::string> lines;
  auto show = [&](const std::string& heading, auto metric) {
    std::vector<double> values;
    for (const BatchInfo& b : batches_) {
      if (auto v = metric(b)) values.push_back(static_cast<double>(*v));
    }
    auto d = Distribution::of(std::move(values));
    if (!d) return;
    lines.push_back(heading + d->statCounterString());
    std::string header;
    for (double p : Distribution::defaultProbabilities()) {
      header += fmt::format("\t{}%", static_cast<int>(std::lround(p * 100)));
    }
    lines.push_back(header);
    std::string quantiles;
    for (double q : d->getQuantiles()) quantiles += "\t" + millisToString(q);
    lines.push_back(quantiles);
  };
  show("Total delay: ", [](const BatchInfo& b) { return b.totalDelay(); });
  show("Processing time: ", [](const BatchInfo& b) { return b.processingDelay(); });
  return lines;
}

void StatsReportListener::onBatchCompleted(const StreamingListenerBatchCompleted& e) {
  std::vector<std::string> lines;
  {
    std::lock_guard lock(mutex_);
    batches_.push_back(e.batchInfo);
    if (batches_.size() > static_cast<std::size_t>(num_batch_infos_)) batches_.pop_front();
    lines = report();
    last_report_ = lines;
  }
  for (const auto& line : lines) logger()->info("{}", line);
}

std::vector<std::string> StatsReportListener::lastReport() const {
  std::lock_guard lock(mutex_);
  return last_report_;
}

}  // namespace ember::ui
