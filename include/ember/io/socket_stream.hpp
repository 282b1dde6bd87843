#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "ember/streaming/receiver.hpp"

namespace ember {

/// Reads lines of text from a TCP server (Spark's SocketReceiver with its line converter): one
/// record per line, lines ending at "\n", "\r\n" or "\r" as Java's readLine has them, and a last
/// line without a newline is a record when the server closes the connection.
///
/// When the server cannot be reached, closes the connection, or the connection fails, it asks
/// for a restart: the supervisor reconnects with backoff and reports each failure to the
/// listeners. onStop() interrupts a connect or a read at once (through an eventfd), so stopping
/// never waits for the network.
class SocketTextReceiver final : public Receiver<std::string> {
 public:
  /// Throws IllegalArgumentError for an empty host or a port outside 1-65535, and IoError when
  /// no eventfd can be made.
  SocketTextReceiver(std::string host, int port, StorageLevel level);
  ~SocketTextReceiver() override;

  /// Starts the reading thread. Called by the supervisor, never concurrently with onStop().
  void onStart() override;
  /// Makes the reading thread end and joins it (unless called from it). Idempotent.
  void onStop() override;
  std::string name() const override;

 private:
  void receive();
  /// A connected socket (non-blocking), or -1 with `error` set; -1 also when stopping.
  int connectToServer(std::string& error);
  /// Waits until `fd` has one of `events` (or an error); false when onStop() was called.
  bool waitFor(int fd, short events);

  std::string host_;
  int port_;
  int wake_fd_ = -1;  // eventfd: onStop() writes to it to wake the reading thread
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ember
