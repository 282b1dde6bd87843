#pragma once

#include <atomic>
#include <string>

namespace ember::detail {

/// The TCP client part every socket receiver shares (socketTextStream, socketStream,
/// rawSocketStream): connecting to host:port and waiting for a socket, both cut short at once by
/// interrupt() from another thread (through an eventfd), so stopping a receiver never waits for
/// the network.
///
/// Threads: the receiving thread calls connect(), waitFor() and reset(); any thread may call
/// interrupt().
class SocketClient {
 public:
  /// `what` names the calling method in error messages. Throws IllegalArgumentError for an empty
  /// host or a port outside 1-65535, and IoError when no eventfd can be made.
  SocketClient(std::string what, std::string host, int port);
  ~SocketClient();
  SocketClient(const SocketClient&) = delete;
  SocketClient& operator=(const SocketClient&) = delete;

  /// Before a new connection: clears an earlier interrupt().
  void reset();
  /// Makes connect() and waitFor(), now or later, return at once. Does not throw.
  void interrupt();
  bool interrupted() const { return interrupted_.load(); }

  /// A connected non-blocking socket, or -1 with `error` set (also -1 when interrupted). The
  /// caller closes it.
  int connect(std::string& error);
  /// Waits until `fd` has one of `events` (or an error); false when interrupted.
  bool waitFor(int fd, short events);
  /// "host:port", for messages.
  const std::string& where() const { return where_; }

 private:
  std::string host_;
  int port_;
  std::string where_;
  int wake_fd_ = -1;  // eventfd: interrupt() writes to it
  std::atomic<bool> interrupted_{false};
};

}  // namespace ember::detail
