#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "block_generator.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/receiver.hpp"
#include "rate_controller.hpp"
#include "received_block_handler.hpp"

namespace ember::detail {

class ReceiverTracker;

/// Runs one receiver (Spark's ReceiverSupervisor): starts it, restarts it when it asks to (with
/// exponential backoff from spark.streaming.receiverRestartDelay / 20 up to that delay, or the
/// delay it gave), stops it when it asks to, and stops it with the context. Its BlockGenerator
/// makes blocks of single-record stores; every block, cut or stored at once, goes to the
/// ReceivedBlockHandler, which keeps it for the next batch. With
/// spark.streaming.backpressure.enabled, a RateController moves the generator's rate limit after
/// each batch.
///
/// Threads: start() and stop() are called by the context; requestRestart(), requestStop() and
/// reportError() from any thread (they only record the request); the receiver's onStart() and
/// onStop() run on the thread of start(), on the restart thread, or on the thread of stop(),
/// one at a time.
class ReceiverSupervisor {
 public:
  /// Throws IllegalArgumentError for a block interval, queue size, rate or backpressure setting
  /// that is not allowed.
  ReceiverSupervisor(ReceiverTracker& tracker, std::shared_ptr<ReceiverBase> receiver,
                     int stream_id, Duration batch_interval);
  /// Stops (as stop()) if still running.
  ~ReceiverSupervisor();

  void start();
  /// Stops the receiver and the supervisor's threads; keeps what was received for takeBlocks().
  /// Idempotent.
  void stop(const std::string& message);
  /// delay_ms: nothing for the backoff.
  void requestRestart(const std::string& message, const std::string& error,
                      std::optional<std::int64_t> delay_ms);
  void requestStop(const std::string& message, const std::string& error);
  void reportError(const std::string& message, const std::string& error);
  /// Every block stored since the last call, including what the buffer held until now.
  std::vector<ReceivedBlock> takeBlocks();
  bool hasPendingBlocks();
  /// Before start(): blocks are written to `log` before they are stored.
  void enableWriteAheadLog(ReceivedBlockLog* log) { logging_.enable(log); }
  /// Before start(): blocks a log replayed that no batch took, for the next batch.
  void restoreBlocks(const std::vector<ReceivedBlock>& blocks) {
    for (const auto& block : blocks) blocks_.storeBlock(block);
  }
  const ReceiverBase& receiver() const { return *receiver_; }
  int streamId() const { return stream_id_; }

  /// For the receiver's single-record stores: rate limit and queue room (see BlockGenerator).
  void waitToPush();
  /// For the receiver's multi-record stores: stores `block` after what is buffered.
  void pushBlock(ReceivedBlock block);
  BlockGenerator& blockGenerator() { return generator_; }
  /// After each batch: feeds the rate controller, if backpressure is enabled.
  void onBatchCompleted(const BatchInfo& info);
  /// nullptr unless backpressure is enabled.
  const RateController* rateController() const { return rate_controller_.get(); }

 private:
  enum class Request { kNone, kRestart, kStop };

  void restartLoop(std::stop_token stop);
  /// Waits out the restart delay; returns false when stopped or asked to stop meanwhile.
  bool waitBeforeRestart(std::stop_token& stop, std::int64_t delay_ms);
  /// onStart(); an exception from it becomes a stop request.
  void startReceiver();
  /// onStop() if the receiver runs; returns whether it did.
  bool stopReceiver();

  ReceiverTracker& tracker_;
  std::shared_ptr<ReceiverBase> receiver_;
  int stream_id_;
  std::int64_t max_delay_ms_;
  ReceivedBlockQueue blocks_;
  WriteAheadLogBlockHandler logging_;  // before blocks_ reach the queue
  BlockGenerator generator_;
  std::unique_ptr<RateController> rate_controller_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  Request request_ = Request::kNone;              // guarded by mutex_
  std::string request_message_;                   // guarded by mutex_
  std::string request_error_;                     // guarded by mutex_
  std::optional<std::int64_t> request_delay_ms_;  // guarded by mutex_
  bool stopped_ = false;                          // guarded by mutex_
  // Stopped when the running incarnation of the receiver is stopped, so that its stores waiting
  // for the rate limit or the queue return. Guarded by mutex_.
  std::stop_source incarnation_;
  bool running_ = false;  // onStart() called and onStop() not yet; see the thread notes above
  std::jthread restarter_;
};

}  // namespace ember::detail
