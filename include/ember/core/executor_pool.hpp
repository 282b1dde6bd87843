#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ember {

/// A fixed set of worker threads that run the tasks of a stage. `runTasks` is called by the
/// driver side (any thread that is not one of the pool's own); a call from inside a task runs the
/// tasks inline, so nested jobs cannot deadlock the pool.
class ExecutorPool {
 public:
  explicit ExecutorPool(int num_threads);
  ~ExecutorPool();
  ExecutorPool(const ExecutorPool&) = delete;
  ExecutorPool& operator=(const ExecutorPool&) = delete;

  int numThreads() const { return static_cast<int>(threads_.size()); }

  /// Runs task(0) ... task(n-1), at most numThreads() at a time, and returns when all are done.
  /// Returns, per index, the exception its task threw (null when it succeeded). After the first
  /// failure, tasks not yet started are skipped and report no exception.
  std::vector<std::exception_ptr> runTasks(int n, const std::function<void(int)>& task);

  /// True on the pool's own threads.
  static bool onWorkerThread();

  /// Tasks that ran to the end, and tasks that threw, since the pool was made (for the metrics
  /// endpoint; any thread).
  std::uint64_t tasksSucceeded() const { return tasks_succeeded_.load(std::memory_order_relaxed); }
  std::uint64_t tasksFailed() const { return tasks_failed_.load(std::memory_order_relaxed); }

 private:
  void workerLoop();

  std::mutex mutex_;
  std::condition_variable work_available_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> tasks_succeeded_{0};
  std::atomic<std::uint64_t> tasks_failed_{0};
};

}  // namespace ember
