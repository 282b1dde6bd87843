#include "ember/core/executor_pool.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

namespace ember {

namespace {
thread_local bool t_on_worker = false;

struct TaskBatch {
  const std::function<void(int)>* task = nullptr;
  int n = 0;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int> succeeded{0};
  std::vector<std::exception_ptr> errors;
  std::mutex mutex;
  std::condition_variable done_cv;
  int runners_left = 0;

  void drain() {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      if (failed.load(std::memory_order_relaxed)) continue;
      try {
        (*task)(i);
        succeeded.fetch_add(1, std::memory_order_relaxed);
      } catch (...) {
        errors[i] = std::current_exception();
        failed.store(true);
      }
    }
  }
};
}  // namespace

ExecutorPool::ExecutorPool(int num_threads) {
  threads_.reserve(num_threads);
  for (int i = 0; i < num_threads; ++i) threads_.emplace_back([this] { workerLoop(); });
}

ExecutorPool::~ExecutorPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_available_.notify_all();
  for (auto& t : threads_) t.join();
}

bool ExecutorPool::onWorkerThread() {
  return t_on_worker;
}

void ExecutorPool::workerLoop() {
  t_on_worker = true;
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

std::vector<std::exception_ptr> ExecutorPool::runTasks(int n,
                                                       const std::function<void(int)>& task) {
  auto batch = std::make_shared<TaskBatch>();
  batch->task = &task;
  batch->n = n;
  batch->errors.resize(n);
  auto count = [&] {
    tasks_succeeded_.fetch_add(batch->succeeded.load(), std::memory_order_relaxed);
    tasks_failed_.fetch_add(std::count_if(batch->errors.begin(), batch->errors.end(),
                                          [](const std::exception_ptr& e) { return e != nullptr; }),
                            std::memory_order_relaxed);
  };
  if (n == 0) return std::move(batch->errors);
  if (onWorkerThread() || threads_.empty()) {
    batch->drain();
    count();
    return std::move(batch->errors);
  }
  int runners = std::min(n, numThreads());
  batch->runners_left = runners;
  {
    std::lock_guard lock(mutex_);
    for (int r = 0; r < runners; ++r) {
      queue_.emplace_back([batch] {
        batch->drain();
        std::lock_guard done_lock(batch->mutex);
        if (--batch->runners_left == 0) batch->done_cv.notify_all();
      });
    }
  }
  if (runners == 1) {
    work_available_.notify_one();
  } else {
    work_available_.notify_all();
  }
  std::unique_lock lock(batch->mutex);
  batch->done_cv.wait(lock, [&] { return batch->runners_left == 0; });
  count();
  return std::move(batch->errors);
}

}  // namespace ember
