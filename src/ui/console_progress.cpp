#include "ember/ui/console_progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "streaming/console_line.hpp"
#include "ui_format.hpp"

namespace ember::ui {

ConsoleProgressListener::ConsoleProgressListener(std::int64_t batchDurationMs, bool colour)
    : batch_duration_ms_(batchDurationMs), colour_(colour) {}

ConsoleProgressListener::~ConsoleProgressListener() {
  ember::detail::clearConsoleLine();
}

bool ConsoleProgressListener::defaultEnabled() {
  return ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1;
}

std::string ConsoleProgressListener::statusLine(const BatchInfo& info, std::int64_t batchDurationMs,
                                                std::size_t pending, bool colour) {
  const std::int64_t processing = info.processingDelay().value_or(0);
  const bool behind = processing > batchDurationMs || pending > 1;
  std::string line = fmt::format(
      "[Batch {}] {} records | processing {} / {} | delay {} | {} pending",
      detail::formatBatchTime(info.batchTime.milliseconds(), batchDurationMs), info.numRecords(),
      detail::formatDuration(processing), detail::formatDuration(batchDurationMs),
      detail::formatDuration(info.totalDelay().value_or(0)), pending);
  if (!colour) return line;
  return (behind ? "\x1b[31m" : "\x1b[32m") + line + "\x1b[0m";
}

void ConsoleProgressListener::onBatchSubmitted(const StreamingListenerBatchSubmitted& e) {
  std::lock_guard lock(mutex_);
  pending_.insert(e.batchInfo.batchTime.milliseconds());
}

void ConsoleProgressListener::onBatchCompleted(const StreamingListenerBatchCompleted& e) {
  std::size_t pending = 0;
  {
    std::lock_guard lock(mutex_);
    pending_.erase(e.batchInfo.batchTime.milliseconds());
    pending = pending_.size();
  }
  ember::detail::setConsoleLine(statusLine(e.batchInfo, batch_duration_ms_, pending, colour_));
}

}  // namespace ember::ui
