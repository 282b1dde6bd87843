#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ember/streaming/receiver.hpp"

namespace ember::detail {

class ReceiverTracker;

/// Runs one receiver: starts it, restarts it with exponential backoff when it asks to (from
/// spark.streaming.receiverRestartDelay / 20 up to that delay), stops it when it asks to, cuts
/// what it stored into blocks every spark.streaming.blockInterval, and stops it with the context.
///
/// Threads: start() and stop() are called by the context; requestRestart(), requestStop() and
/// reportError() from any thread (they only record the request); the receiver's onStart() and
/// onStop() run on the thread of start(), on the restart thread, or on the thread of stop(),
/// one at a time.
class ReceiverSupervisor {
 public:
  ReceiverSupervisor(ReceiverTracker& tracker, std::shared_ptr<ReceiverBase> receiver,
                     int stream_id);
  /// Stops (as stop()) if still running.
  ~ReceiverSupervisor();

  void start();
  /// Stops the receiver and the supervisor's threads; keeps what was received for takeBlocks().
  /// Idempotent.
  void stop(const std::string& message);
  void requestRestart(const std::string& message, const std::string& error);
  void requestStop(const std::string& message, const std::string& error);
  void reportError(const std::string& message, const std::string& error);
  /// Blocks cut since the last call (including what is being filled now).
  std::vector<ReceivedBlock> takeBlocks();
  bool hasPendingBlocks();
  int streamId() const { return stream_id_; }

 private:
  enum class Request { kNone, kRestart, kStop };

  void restartLoop(std::stop_token stop);
  void blockLoop(std::stop_token stop);
  /// onStart(); an exception from it becomes a stop request.
  void startReceiver();
  /// onStop() if the receiver runs; returns whether it did.
  bool stopReceiver();

  ReceiverTracker& tracker_;
  std::shared_ptr<ReceiverBase> receiver_;
  int stream_id_;
  std::int64_t max_delay_ms_;
  std::int64_t block_interval_ms_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  Request request_ = Request::kNone;  // guarded by mutex_
  std::string request_message_;       // guarded by mutex_
  std::string request_error_;         // guarded by mutex_
  bool stopped_ = false;              // guarded by mutex_
  bool running_ = false;  // onStart() called and onStop() not yet; see the thread notes above
  std::vector<ReceivedBlock> cut_;  // guarded by mutex_
  std::jthread restarter_;
  std::jthread block_cutter_;
};

}  // namespace ember::detail
