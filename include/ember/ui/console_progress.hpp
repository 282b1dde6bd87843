#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "ember/streaming/listener.hpp"

namespace ember::ui {

/// The console progress of a streaming context (spark.ui.showConsoleProgress): after each batch,
/// one line redrawn in place on standard error with the batch time, its records, its processing
/// time against the batch interval, its total delay and the batches waiting, in red when the job
/// falls behind (processing time over the interval, or batches piling up), green otherwise.
/// print()'s blocks on standard output erase the line and get it back after them.
class ConsoleProgressListener : public StreamingListener {
 public:
  explicit ConsoleProgressListener(std::int64_t batchDurationMs, bool colour = true);
  /// Erases the line.
  ~ConsoleProgressListener() override;

  void onBatchSubmitted(const StreamingListenerBatchSubmitted& e) override;
  void onBatchCompleted(const StreamingListenerBatchCompleted& e) override;

  /// The line for a completed batch with `pending` batches still waiting or running.
  static std::string statusLine(const BatchInfo& info, std::int64_t batchDurationMs,
                                std::size_t pending, bool colour);
  /// Whether the default of spark.ui.showConsoleProgress is on: standard output and standard
  /// error are both terminals.
  static bool defaultEnabled();

 private:
  std::int64_t batch_duration_ms_;
  bool colour_;
  std::mutex mutex_;
  std::set<std::int64_t> pending_;
};

}  // namespace ember::ui
