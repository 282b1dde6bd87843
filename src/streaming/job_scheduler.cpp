#include "job_scheduler.hpp"

#include <chrono>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "listener_bus.hpp"

namespace ember::detail {

JobScheduler::JobScheduler(Clock& clock, ListenerBus& bus, ErrorReporter report, BatchDone done)
    : clock_(clock), bus_(bus), report_(std::move(report)), done_(std::move(done)) {}

JobScheduler::~JobScheduler() {
  stop();
}

void JobScheduler::start(int concurrent_jobs) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < concurrent_jobs; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { run(stop); });
  }
}

void JobScheduler::submit(JobSet set) {
  {
    std::lock_guard lock(mutex_);
    last_submitted_ = set.time;
    unfinished_.insert(set.time);
    queue_.push_back(std::move(set));
  }
  cv_.notify_all();
}

void JobScheduler::run(std::stop_token stop) {
  for (;;) {
    JobSet set;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (stop.stop_requested()) return;
      set = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    runJobSet(set);
    done_(set.info);
    {
      std::lock_guard lock(mutex_);
      --running_;
      unfinished_.erase(set.time);
    }
    cv_.notify_all();
  }
}

void JobScheduler::runJobSet(JobSet& set) {
  if (set.jobs.empty()) return;
  BatchInfo& info = set.info;
  info.processingStartTime = clock_.getTimeMillis();
  bus_.post(StreamingListenerBatchStarted{info});
  std::exception_ptr failure;
  for (auto& job : set.jobs) {
    OutputOperationInfo& op = info.outputOperationInfos[job.outputOpId];
    op.startTime = clock_.getTimeMillis();
    bus_.post(StreamingListenerOutputOperationStarted{op});
    try {
      job.run();
    } catch (...) {
      auto error = std::current_exception();
      op.failureReason = describeException(error);
      if (!failure) failure = error;
    }
    op.endTime = clock_.getTimeMillis();
    bus_.post(StreamingListenerOutputOperationCompleted{op});
  }
  info.processingEndTime = clock_.getTimeMillis();
  bus_.post(StreamingListenerBatchCompleted{info});
  // Spark's JobScheduler line, which operators grep driver logs for.
  logger()->info("Total delay: {:.3f} s for time {} (execution: {:.3f} s)",
                 static_cast<double>(info.totalDelay().value_or(0)) / 1000.0, set.time.toString(),
                 static_cast<double>(info.processingDelay().value_or(0)) / 1000.0);
  if (failure) report_("Error running job for batch " + set.time.toString(), failure);
}

bool JobScheduler::awaitIdle(std::int64_t timeout_ms, const std::function<bool()>& extra) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return queue_.empty() && running_ == 0 && extra(); });
}

void JobScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
    for (auto& thread : threads_) thread.request_stop();
  }
  cv_.notify_all();
  // Only start() adds threads, and it ran before: the vector is not changed under us.
  for (auto& thread : threads_) {
    // stop() called from inside an output operation runs on a job thread: that thread ends by
    // itself once its job returns, and is joined when the scheduler is destroyed.
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
  }
}

void JobScheduler::markTerminated() {
  {
    std::lock_guard lock(mutex_);
    terminated_ = true;
  }
  cv_.notify_all();
}

std::set<Time> JobScheduler::pendingBatches() {
  std::lock_guard lock(mutex_);
  return unfinished_;
}

bool JobScheduler::awaitBatchProcessed(Time time, std::int64_t timeout_ms) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    bool submitted = last_submitted_ && *last_submitted_ >= time;
    bool earlier_pending = !unfinished_.empty() && *unfinished_.begin() <= time;
    return (submitted && !earlier_pending) || terminated_;
  });
}

}  // namespace ember::detail
