#include "block_generator.hpp"

#include <chrono>

#include "ember/core/error.hpp"

namespace ember::detail {

namespace {

std::int64_t positive(std::int64_t value, const std::string& key) {
  if (value <= 0) {
    throw IllegalArgumentError(key + " = " + std::to_string(value) + " must be positive");
  }
  return value;
}

}  // namespace

BlockGenerator::BlockGenerator(const Conf& conf, Clock& clock, ReceivedBlockHandler& handler,
                               CutBuffer cut, ErrorReporter report)
    : clock_(clock),
      handler_(handler),
      cut_(std::move(cut)),
      report_(std::move(report)),
      interval_ms_(positive(conf.getTimeAsMs("spark.streaming.blockInterval", 200),
                            "spark.streaming.blockInterval (ms)")),
      capacity_(static_cast<std::size_t>(positive(
          conf.getLong("spark.streaming.blockQueueSize", 10), "spark.streaming.blockQueueSize"))),
      limiter_(RateLimiter::fromConf(conf, clock)) {}

BlockGenerator::~BlockGenerator() {
  stop();
}

void BlockGenerator::start() {
  // The first boundary is taken now, not when the thread gets to run: a clock moved meanwhile
  // must not skip it.
  const std::int64_t first = nextBoundary(clock_.getTimeMillis());
  cutter_ = std::jthread([this, first](std::stop_token stop) { cutLoop(stop, first); });
  pusher_ = std::jthread([this](std::stop_token stop) { pushLoop(stop); });
}

void BlockGenerator::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  cutter_.request_stop();
  pusher_.request_stop();
  queue_cv_.notify_all();
  if (cutter_.joinable()) cutter_.join();
  if (pusher_.joinable()) pusher_.join();
  flush();
}

std::int64_t BlockGenerator::nextBoundary(std::int64_t now_ms) const {
  return (now_ms / interval_ms_ + 1) * interval_ms_;
}

void BlockGenerator::cutLoop(std::stop_token stop, std::int64_t first) {
  // Cuts fall on multiples of the interval, as Spark's RecurringTimer, and none is skipped: a
  // record stored before the clock read T is in a block cut at T at the latest, however late
  // this thread wakes.
  for (std::int64_t next = first;; next += interval_ms_) {
    clock_.waitTillTime(next, stop);
    if (stop.stop_requested()) return;
    std::unique_lock lock(queue_mutex_);
    queue_cv_.wait(lock, stop, [&] { return queue_.size() < capacity_; });
    if (stop.stop_requested()) return;  // what is buffered goes out with stop()'s flush
    if (auto block = cut_()) {
      queue_.push_back(std::move(*block));
      queued_.store(queue_.size());
      lock.unlock();
      queue_cv_.notify_all();
    }
  }
}

void BlockGenerator::pushLoop(std::stop_token stop) {
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (stop.stop_requested()) return;
    }
    pushNext();
  }
}

void BlockGenerator::pushNext() {
  std::lock_guard push(push_mutex_);
  std::optional<ReceivedBlock> block;
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.empty()) return;  // a flush took it
    block = std::move(queue_.front());
    queue_.pop_front();
    queued_.store(queue_.size());
  }
  queue_cv_.notify_all();  // room for the cutter and for waiting stores
  storeReported(*block);
}

void BlockGenerator::storeReported(const ReceivedBlock& block) {
  try {
    handler_.storeBlock(block);
    countStored();
  } catch (...) {
    report_("Error storing a block of " + std::to_string(block.numRecords) + " records",
            std::current_exception());
  }
}

void BlockGenerator::countStored() {
  {
    std::lock_guard lock(stored_mutex_);
    ++stored_;
  }
  stored_cv_.notify_all();
}

void BlockGenerator::flush(std::optional<ReceivedBlock> extra) {
  std::lock_guard push(push_mutex_);
  std::deque<ReceivedBlock> pending;
  {
    std::lock_guard lock(queue_mutex_);
    if (auto block = cut_()) queue_.push_back(std::move(*block));
    pending.swap(queue_);
    queued_.store(0);
  }
  queue_cv_.notify_all();
  for (const auto& block : pending) storeReported(block);
  if (extra) {
    handler_.storeBlock(*extra);
    countStored();
  }
}

void BlockGenerator::waitToPush(const std::stop_token& stop) {
  if (!limiter_.waitToPush(stop)) return;
  std::unique_lock lock(queue_mutex_);
  queue_cv_.wait(lock, stop, [&] { return stopped_ || queue_.size() < capacity_; });
}

bool BlockGenerator::hasQueuedBlocks() const {
  std::lock_guard lock(queue_mutex_);
  return !queue_.empty();
}

std::int64_t BlockGenerator::numBlocksStored() const {
  std::lock_guard lock(stored_mutex_);
  return stored_;
}

bool BlockGenerator::awaitBlocksStored(std::int64_t n, std::int64_t timeout_ms) const {
  std::unique_lock lock(stored_mutex_);
  return stored_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [&] { return stored_ >= n; });
}

}  // namespace ember::detail
