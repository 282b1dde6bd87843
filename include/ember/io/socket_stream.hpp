#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "ember/streaming/receiver.hpp"

namespace ember {

/// Reads lines of text from a TCP server (Spark's SocketReceiver with its line converter): bytes
/// are split on '\n' (a trailing '\r' is dropped, as Java's readLine does), one record per line.
/// When the server cannot be reached, or closes the connection, or the connection fails, it asks
/// for a restart: the supervisor reconnects with backoff and logs each attempt.
class SocketTextReceiver final : public Receiver<std::string> {
 public:
  /// Throws IllegalArgumentError for an empty host or a port outside 1-65535.
  SocketTextReceiver(std::string host, int port, StorageLevel level);
  ~SocketTextReceiver() override;

  void onStart() override;
  void onStop() override;
  std::string name() const override;

 private:
  void receive();
  int connectToServer(std::string& error);

  std::string host_;
  int port_;
  std::mutex mutex_;
  int fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ember
