#pragma once

#include <cstddef>
#include <string>

#include "ember/io/socket_client.hpp"

namespace ember {

/// The connection a socketStream converter reads (Spark's InputStream): bytes as the server sent
/// them. Reads block until data arrives, and return 0 at the end of the stream and as soon as the
/// receiver stops, so a converter that reads until 0 ends in time. Used by one thread, the
/// receiver's.
class SocketInput {
 public:
  /// Made by the socket receivers around a connected socket, which it closes.
  SocketInput(detail::SocketClient& client, int fd) : client_(client), fd_(fd) {}
  ~SocketInput();
  SocketInput(const SocketInput&) = delete;
  SocketInput& operator=(const SocketInput&) = delete;

  /// Reads up to n bytes into buffer; returns how many, 0 at the end of the stream or when the
  /// receiver stops. Throws IoError when reading fails.
  std::size_t read(char* buffer, std::size_t n);
  /// Reads exactly n bytes. Returns false when the stream ends or the receiver stops before the
  /// first of them; throws IoError when the stream ends partway or reading fails.
  bool readFully(char* buffer, std::size_t n);
  /// Whether the receiver is stopping (reads then return 0).
  bool stopped() const { return client_.interrupted(); }
  /// The server, as "host:port".
  const std::string& where() const { return client_.where(); }

 private:
  detail::SocketClient& client_;
  int fd_;
};

}  // namespace ember
