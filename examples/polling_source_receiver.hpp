#pragma once

// A reliable, polling receiver written on ember::Receiver<T>: the shape of Flume's polling
// stream (FlumeUtils.createPollingStream against Spark's SparkSink) and of a Kinesis shard
// reader, over a small line protocol of TCP, so that it runs anywhere. docs/connectors.md
// explains how a receiver for Flume, Kinesis or Twitter follows the same steps.
//
// The protocol (one line each, "\n"-terminated):
//   receiver -> source   POLL <max>          ask for a batch of at most <max> events
//   source -> receiver   BATCH <id> <n>      then <n> lines, one event each (n may be 0)
//   receiver -> source   ACK <id>            the batch is stored: the source may forget it
//   receiver -> source   NACK <id>           it is not: send it again
// The source keeps a batch until it is acknowledged and sends it again on a later connection,
// as SparkSink keeps its transaction open until Spark acknowledges it. A source with nothing to
// send holds a POLL for a while (long polling) and then answers with an empty batch, so the
// receiver never spins.

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"

namespace ember::examples {

/// Step 1 of the recipe: a class on Receiver<T>, whose constructor takes what the connector's
/// createStream takes and refuses what cannot work, where it is given.
class PollingSourceReceiver final : public ember::Receiver<std::string> {
 public:
  /// Throws ember::IllegalArgumentError for an empty host, a port outside 1-65535 or a batch
  /// size below 1.
  PollingSourceReceiver(std::string host, int port, int maxBatchSize = 1000)
      : Receiver<std::string>(ember::StorageLevel::MEMORY_AND_DISK_SER_2),
        host_(std::move(host)),
        port_(port),
        max_batch_size_(maxBatchSize) {
    if (host_.empty()) throw ember::IllegalArgumentError("PollingSourceReceiver: empty host");
    if (port_ < 1 || port_ > 65535) {
      throw ember::IllegalArgumentError("PollingSourceReceiver: port " + std::to_string(port_) +
                                        " is outside 1-65535");
    }
    if (max_batch_size_ < 1) {
      throw ember::IllegalArgumentError("PollingSourceReceiver: maxBatchSize must be at least 1");
    }
  }
  ~PollingSourceReceiver() override { onStop(); }

  /// Step 2: onStart() must not block: it starts the thread that polls.
  void onStart() override {
    if (thread_.joinable()) thread_.join();  // a thread that ended by itself (a restart)
    thread_ = std::thread([this] { receive(); });
  }
  /// Step 3: onStop() makes that thread end at once (a blocked read returns when its socket is
  /// shut down) and waits for it.
  void onStop() override {
    {
      std::lock_guard lock(mutex_);
      if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override {
    return "PollingSourceReceiver(" + host_ + ":" + std::to_string(port_) + ")";
  }

  /// Batches acknowledged since the receiver was made.
  long acknowledgedBatches() const {
    std::lock_guard lock(mutex_);
    return acked_;
  }

 private:
  /// Step 4: the receiving thread. Connects, then polls: every batch is stored whole with
  /// store(std::vector), which returns once the block is stored (and written to the write-ahead
  /// log when it is on), and only then acknowledged. A failure asks for a restart, which the
  /// supervisor delays with its backoff and reports to the listeners; whatever was not
  /// acknowledged the source sends again.
  void receive() {
    std::string error;
    int fd = connectTo(error);
    if (fd < 0) {
      restart("Error connecting to " + where(), std::make_exception_ptr(ember::IoError(error)));
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (isStopped()) {  // onStop() ran before the socket was there to shut down
        ::close(fd);
        return;
      }
      socket_ = fd;
    }
    try {
      pollUntilStopped(fd);
    } catch (const std::exception&) {
      if (!isStopped()) restart("Error receiving data from " + where(), std::current_exception());
    }
    std::lock_guard lock(mutex_);
    ::close(socket_);
    socket_ = -1;
    pending_.clear();
  }

  void pollUntilStopped(int fd) {
    while (!isStopped()) {
      send(fd, "POLL " + std::to_string(max_batch_size_) + "\n");
      std::string header = readLine(fd);
      char tag[16] = {};
      long id = 0;
      long n = 0;
      if (std::sscanf(header.c_str(), "%15s %ld %ld", tag, &id, &n) != 3 ||
          std::string(tag) != "BATCH" || n < 0 || n > max_batch_size_) {
        throw ember::IoError("unexpected answer to POLL: '" + header + "'");
      }
      std::vector<std::string> events;
      events.reserve(static_cast<std::size_t>(n));
      for (long i = 0; i < n; ++i) events.push_back(readLine(fd));
      try {
        store(std::move(events));  // stored, all of it, when this returns
      } catch (const std::exception&) {
        send(fd, "NACK " + std::to_string(id) + "\n");
        throw;
      }
      send(fd, "ACK " + std::to_string(id) + "\n");
      std::lock_guard lock(mutex_);
      ++acked_;
    }
  }

  std::string where() const { return host_ + ":" + std::to_string(port_); }

  int connectTo(std::string& error) const {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found)) {
      error = ::gai_strerror(rc);
      return -1;
    }
    int fd = -1;
    error = "no address";
    for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
      fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
        error = std::strerror(errno);
        ::close(fd);
        fd = -1;
      }
    }
    ::freeaddrinfo(found);
    return fd;
  }

  static void send(int fd, const std::string& line) {
    for (std::size_t sent = 0; sent < line.size();) {
      ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw ember::IoError(std::string("send: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
  }

  /// The next line without its "\n". Throws IoError at the end of the stream (a source never
  /// ends a connection in the middle of a batch unless it failed) or when reading fails.
  std::string readLine(int fd) {
    for (;;) {
      if (auto end = pending_.find('\n'); end != std::string::npos) {
        std::string line = pending_.substr(0, end);
        pending_.erase(0, end + 1);
        return line;
      }
      char buffer[4096];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw ember::IoError(std::string("recv: ") + std::strerror(errno));
      if (n == 0) throw ember::IoError("the source closed the connection");
      pending_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  std::string host_;
  int port_;
  int max_batch_size_;
  mutable std::mutex mutex_;
  int socket_ = -1;      // guarded by mutex_
  long acked_ = 0;       // guarded by mutex_
  std::string pending_;  // bytes read past the last line; the receiving thread's
  std::thread thread_;
};

}  // namespace ember::examples
