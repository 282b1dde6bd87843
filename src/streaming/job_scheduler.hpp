#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "ember/streaming/clock.hpp"
#include "ember/streaming/job.hpp"
#include "ember/streaming/listener.hpp"

namespace ember::detail {

class ListenerBus;

/// The jobs of one batch and what the listeners are told about it (Spark's JobSet).
struct JobSet {
  Time time;
  std::vector<Job> jobs;
  BatchInfo info;
};

/// Runs the batches' jobs (Spark's JobScheduler): spark.streaming.concurrentJobs threads take
/// job sets in submission order; each runs its set's output operations in order, posts the
/// batch and output-operation events, reports the first failure, then lets the batch's
/// metadata be cleared. Thread-safe.
class JobScheduler {
 public:
  using ErrorReporter = std::function<void(const std::string& what, std::exception_ptr error)>;
  using BatchDone = std::function<void(const BatchInfo& info)>;

  /// `report` is told of a batch whose output operation failed; `done` runs on the job thread
  /// after each batch, failed or not, with the batch's info (processing times set when it had
  /// jobs).
  JobScheduler(Clock& clock, ListenerBus& bus, ErrorReporter report, BatchDone done);
  ~JobScheduler();
  JobScheduler(const JobScheduler&) = delete;
  JobScheduler& operator=(const JobScheduler&) = delete;

  /// Starts `concurrent_jobs` job threads.
  void start(int concurrent_jobs);
  /// Queues a batch's jobs (the job generator's thread).
  void submit(JobSet set);
  /// Blocks until `extra()` holds (checked under the scheduler's lock whenever a batch is
  /// submitted or finished) and no batch is queued or running; false after timeout_ms.
  bool awaitIdle(std::int64_t timeout_ms, const std::function<bool()>& extra);
  /// Drops queued batches and ends the job threads once their current batch is done (a job
  /// thread that calls this ends by itself). Does not throw.
  void stop();
  /// From now on awaitBatchProcessed returns at once.
  void markTerminated();
  /// Blocks until every batch up to `time` was generated and processed (or failed), or
  /// markTerminated() was called; false after timeout_ms.
  bool awaitBatchProcessed(Time time, std::int64_t timeout_ms);
  /// The batches submitted and not yet processed, oldest first.
  std::set<Time> pendingBatches();

 private:
  void run(std::stop_token stop);
  void runJobSet(JobSet& set);

  Clock& clock_;
  ListenerBus& bus_;
  ErrorReporter report_;
  BatchDone done_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::deque<JobSet> queue_;
  int running_ = 0;
  std::optional<Time> last_submitted_;
  std::set<Time> unfinished_;  // submitted batches not yet processed
  bool terminated_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace ember::detail
