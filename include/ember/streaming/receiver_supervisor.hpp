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

class StreamingCore;

/// Runs one receiver: starts it, restarts it with exponential backoff when it asks to (from
/// spark.streaming.receiverRestartDelay / 20 up to that delay), cuts what it stored into blocks
/// every spark.streaming.blockInterval, and stops it.
class ReceiverSupervisor {
 public:
  ReceiverSupervisor(StreamingCore& core, std::shared_ptr<ReceiverBase> receiver, int stream_id);
  ~ReceiverSupervisor();

  void start();
  void stop(const std::string& message);
  void requestRestart(const std::string& message, const std::string& error);
  void reportError(const std::string& message, const std::string& error);
  /// Blocks cut since the last call (including what is being filled now).
  std::vector<ReceivedBlock> takeBlocks();
  bool hasPendingBlocks();
  int streamId() const { return stream_id_; }

 private:
  void restartLoop(std::stop_token stop);
  void blockLoop(std::stop_token stop);
  void startReceiver();
  void stopReceiver();

  StreamingCore& core_;
  std::shared_ptr<ReceiverBase> receiver_;
  int stream_id_;
  std::int64_t max_delay_ms_;
  std::int64_t block_interval_ms_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  bool restart_requested_ = false;
  bool stopped_ = false;
  std::vector<ReceivedBlock> cut_;
  std::jthread restarter_;
  std::jthread block_cutter_;
};

}  // namespace ember::detail
