#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ember/streaming/listener.hpp"

namespace ember::ui {

/// Spark's util.Distribution over a set of numbers: their statistics and quantiles.
class Distribution {
 public:
  /// Nothing for an empty set (as Spark's Distribution.apply).
  static std::optional<Distribution> of(std::vector<double> data);

  /// The values at probabilities 0, .05, .1, .25, .5, .75, .9, .95, 1 (Spark's default).
  static const std::vector<double>& defaultProbabilities();
  /// Spark's rule: the value at index min(p * n, n - 1) of the sorted data.
  std::vector<double> getQuantiles(
      const std::vector<double>& probabilities = defaultProbabilities()) const;
  std::size_t count() const { return data_.size(); }
  double mean() const;
  double stdev() const;  // population standard deviation, as Spark's StatCounter
  double max() const { return data_.back(); }
  double min() const { return data_.front(); }
  /// Spark's StatCounter.toString: "(count: 3, mean: 2.000000, stdev: 0.816497, max: 3.000000,
  /// min: 1.000000)".
  std::string statCounterString() const;

 private:
  explicit Distribution(std::vector<double> sorted) : data_(std::move(sorted)) {}
  std::vector<double> data_;  // sorted
};

/// Logs, at info, after each completed batch, the distributions of total delay and processing
/// time over the last numBatchInfos batches (Spark's StatsReportListener):
///   Total delay: (count: .., mean: .., stdev: .., max: .., min: ..)
///   	0%	5%	10%	25%	50%	75%	90%	95%	100%
///   	12.0 ms	...
/// and the same under "Processing time: ".
class StatsReportListener : public StreamingListener {
 public:
  /// Throws IllegalArgumentError when numBatchInfos is not positive.
  explicit StatsReportListener(int numBatchInfos = 10);

  void onBatchCompleted(const StreamingListenerBatchCompleted& e) override;

  /// The lines the last completed batch logged (six, or fewer while a figure is unknown).
  std::vector<std::string> lastReport() const;
  /// Spark's millisToString: "%.1f" of hours, minutes, seconds or milliseconds with its unit.
  static std::string millisToString(double ms);

 private:
  std::vector<std::string> report() const;

  int num_batch_infos_;
  mutable std::mutex mutex_;
  std::deque<BatchInfo> batches_;
  std::vector<std::string> last_report_;
};

}  // namespace ember::ui
