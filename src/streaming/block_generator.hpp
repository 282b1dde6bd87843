#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "ember/core/conf.hpp"
#include "ember/streaming/clock.hpp"
#include "ember/streaming/receiver.hpp"
#include "rate_limiter.hpp"
#include "received_block_handler.hpp"

namespace ember::detail {

/// Turns one receiver's single-record stores into blocks (Spark's BlockGenerator): every
/// spark.streaming.blockInterval on the context's clock the records buffered since the last cut
/// become one block (an empty interval makes none); cut blocks wait in a queue of at most
/// spark.streaming.blockQueueSize blocks for a pushing thread that hands them to the
/// ReceivedBlockHandler. Single-record stores first wait for the rate limiter and for room in
/// that queue.
///
/// The records themselves stay in the receiver (whose type the generator does not know):
/// `cut` moves them out as a block.
///
/// Threads: start() and stop() from the supervisor; waitToPush() from receiver threads; flush()
/// from any thread (the batch's allocation, a multi-record store). Every handler call is made
/// under one lock, in the order the blocks were cut.
class BlockGenerator {
 public:
  using CutBuffer = std::function<std::optional<ReceivedBlock>()>;
  using ErrorReporter = std::function<void(const std::string& message, std::exception_ptr error)>;

  /// Reads spark.streaming.blockInterval (200ms), spark.streaming.blockQueueSize (10) and what
  /// RateLimiter::fromConf reads. Throws IllegalArgumentError for a block interval or queue size
  /// that is not positive, or a malformed rate.
  BlockGenerator(const Conf& conf, Clock& clock, ReceivedBlockHandler& handler, CutBuffer cut,
                 ErrorReporter report);
  /// Stops (as stop()).
  ~BlockGenerator();
  BlockGenerator(const BlockGenerator&) = delete;
  BlockGenerator& operator=(const BlockGenerator&) = delete;

  /// Starts the cutting and pushing threads.
  void start();
  /// Ends both threads, then flushes what is left. Waiters in waitToPush() return. Idempotent.
  void stop();

  /// Waits for a rate token and for room in the queue; returns early when `stop` is requested or
  /// the generator stops. Does not throw.
  void waitToPush(const std::stop_token& stop);
  /// Cuts the buffer into a block and has every queued block stored, then stores `extra` (a
  /// multi-record store's block); returns when all of them are stored. Rethrows what the handler
  /// throws for `extra`; failures for cut blocks are reported instead.
  void flush(std::optional<ReceivedBlock> extra = std::nullopt);
  /// Whether a single-record store may go ahead without waiting (no rate limit, room in the
  /// queue). Lock-free: the common case of store() takes no lock here.
  bool canPushNow() const {
    return limiter_.getCurrentLimit() == RateLimiter::kUnlimited && queued_.load() < capacity_;
  }
  /// Whether cut blocks wait in the queue.
  bool hasQueuedBlocks() const;

  RateLimiter& rateLimiter() { return limiter_; }
  std::int64_t blockIntervalMs() const { return interval_ms_; }
  /// Blocks handed to the handler so far.
  std::int64_t numBlocksStored() const;
  /// Blocks until at least n blocks were stored or timeout_ms passed; returns whether they were.
  bool awaitBlocksStored(std::int64_t n, std::int64_t timeout_ms) const;

 private:
  void cutLoop(std::stop_token stop, std::int64_t first);
  /// The first cut time after now_ms.
  std::int64_t nextBoundary(std::int64_t now_ms) const;
  void pushLoop(std::stop_token stop);
  /// Stores the queue's first block, if any.
  void pushNext();
  /// Stores one block; a failure is reported, not thrown. Needs push_mutex_.
  void storeReported(const ReceivedBlock& block);
  void countStored();

  Clock& clock_;
  ReceivedBlockHandler& handler_;
  CutBuffer cut_;
  ErrorReporter report_;
  const std::int64_t interval_ms_;
  const std::size_t capacity_;
  RateLimiter limiter_;

  std::mutex push_mutex_;  // one handler call at a time, in cut order; taken before queue_mutex_
  mutable std::mutex queue_mutex_;
  std::condition_variable_any queue_cv_;  // a block queued or taken, or stopped
  std::deque<ReceivedBlock> queue_;       // guarded by queue_mutex_
  bool stopped_ = false;                  // guarded by queue_mutex_
  std::atomic<std::size_t> queued_{0};    // queue_.size(), for canPushNow()

  mutable std::mutex stored_mutex_;
  mutable std::condition_variable stored_cv_;
  std::int64_t stored_ = 0;  // guarded by stored_mutex_

  std::jthread cutter_;
  std::jthread pusher_;
};

}  // namespace ember::detail
