#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ember/streaming/dstream_node.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/job.hpp"

namespace ember::detail {

/// The streams of a context: its inputs and its outputs in the order they were defined (Spark's
/// DStreamGraph). Built on the user's thread before start; afterwards read by the job
/// generator's and the job scheduler's threads. Thread-safe.
class DStreamGraph {
 public:
  /// Returns the new input stream's id (0, 1, ... in order of definition).
  int addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input);
  /// Returns the output operation's id (0, 1, ... in order of definition).
  int addOutputStream(std::shared_ptr<OutputNode> node);
  void setRememberDuration(Duration duration);
  bool hasOutputs() const;

  /// Sets every stream's zero time and remember duration, validates them and starts the inputs
  /// (stopping those already started if one fails). Throws what validation or an input throws.
  void start(Time zero_time);
  /// Stops every input. Does not throw.
  void stopInputs();
  /// One job per output operation that has an RDD at `time`, in definition order. Throws what
  /// computing an RDD throws.
  std::vector<Job> generateJobs(Time time);
  /// Lets every stream forget what it no longer needs to remember at `time`.
  void clearMetadata(Time time);
  /// The longest time any stream remembers (at least one batch).
  Duration maxRememberDuration(Duration batch) const;

 private:
  std::vector<std::shared_ptr<OutputNode>> outputsCopy() const;

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<DStreamNodeBase>> inputs_;
  std::vector<InputNodeBase*> input_handles_;
  std::vector<std::shared_ptr<OutputNode>> outputs_;
  std::optional<Duration> remember_;
};

}  // namespace ember::detail
