#pragma once

// The embedded line source of the examples.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "example_args.hpp"

namespace ember::examples {

/// A TCP server on 127.0.0.1 (port chosen by the system) that sends each client the given
/// lines, in order and over and over, one every 100 ms, until stopped. The examples read it when
/// no HOST PORT is given, so that they show something at once.
class LineServer {
 public:
  /// Throws IoError when the socket cannot be set up.
  explicit LineServer(std::vector<std::string> lines) : lines_(std::move(lines)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw ember::IoError(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::string error = std::strerror(errno);
      ::close(fd_);
      throw ember::IoError("embedded line server: " + error);
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~LineServer() {
    stopping_.store(true);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& t : senders_) t.join();
    ::close(fd_);
  }
  LineServer(const LineServer&) = delete;
  LineServer& operator=(const LineServer&) = delete;

  int port() const { return port_; }

 private:
  void acceptLoop() {
    while (!stopping_.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::lock_guard lock(mutex_);
      senders_.emplace_back([this, client] { sendLoop(client); });
    }
  }
  void sendLoop(int client) {
    for (std::size_t i = 0; !stopping_.load(); ++i) {
      std::string line = lines_[i % lines_.size()] + "\n";
      if (::send(client, line.data(), line.size(), MSG_NOSIGNAL) < 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the pace of a typist
    }
    ::close(client);
  }

  std::vector<std::string> lines_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::thread> senders_;
  std::thread acceptor_;
};

/// Where an example reads its lines: HOST PORT from the command line, or an embedded LineServer
/// sending `lines` when there are no positional arguments.
struct LineSource {
  std::string host = "127.0.0.1";
  int port = 0;
  std::unique_ptr<LineServer> server;
};

/// The source the positional arguments name, or nothing with `error` set (wrong count, a PORT
/// that is not a number). Throws IoError when the embedded server cannot be set up.
inline std::optional<LineSource> openLineSource(const std::vector<std::string>& positional,
                                                std::vector<std::string> lines,
                                                const std::string& program, std::string& error) {
  LineSource source;
  if (positional.size() == 2) {
    source.host = positional[0];
    auto parsed = parseInteger(positional[1]);
    if (!parsed) {
      error = "PORT must be a number, got '" + positional[1] + "'";
      return std::nullopt;
    }
    // Values outside 1-65535 are left to socketTextStream, which refuses them naming the rule.
    if (*parsed < std::numeric_limits<int>::min() || *parsed > std::numeric_limits<int>::max()) {
      error = "socketTextStream: port " + positional[1] + " is outside 1-65535";
      return std::nullopt;
    }
    source.port = static_cast<int>(*parsed);
    return source;
  }
  if (!positional.empty()) {
    error = "expected HOST PORT or nothing";
    return std::nullopt;
  }
  source.server = std::make_unique<LineServer>(std::move(lines));
  source.port = source.server->port();
  std::cerr << program << ": embedded server on 127.0.0.1:" << source.port << "\n";
  return source;
}

}  // namespace ember::examples
