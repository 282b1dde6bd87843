#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember::ui::detail {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// Writes the Prometheus text exposition format (version 0.0.4): metric families, each with its
/// # HELP and # TYPE lines and its samples together, in the order they were first named.
class PrometheusText {
 public:
  /// One sample of a gauge or counter family (made on first use; a counter's name ends in
  /// _total). Names must already be valid; label values are escaped here.
  void gauge(const std::string& name, const std::string& help, double value,
             const Labels& labels = {});
  void counter(const std::string& name, const std::string& help, double value,
               const Labels& labels = {});
  /// One histogram series: cumulative counts per upper bound (seconds), then +Inf = count.
  void histogram(const std::string& name, const std::string& help, const Labels& labels,
                 const std::vector<double>& upperBounds,
                 const std::vector<std::uint64_t>& cumulativeCounts, std::uint64_t count,
                 double sum);
  std::string str() const;

  /// Spark's camelCase names in Prometheus's snake_case: "lastCompletedBatch_totalDelay" ->
  /// "last_completed_batch_total_delay"; any character outside [a-zA-Z0-9_] becomes '_'.
  static std::string snakeCase(std::string_view name);
  /// A label value with \, " and newlines escaped.
  static std::string escapeLabelValue(std::string_view value);
  /// A number as the format wants it: integers without a fraction, NaN and infinities spelled
  /// out.
  static std::string formatValue(double value);

 private:
  struct Family {
    std::string name, type, help;
    std::vector<std::string> samples;
  };
  Family& family(const std::string& name, const char* type, const std::string& help);
  static std::string sample(const std::string& name, const Labels& labels, double value);

  std::vector<Family> families_;
};

}  // namespace ember::ui::detail
