#pragma once

// What the io tests share: a listener that records receiver events and lets a test wait for them,
// and a TCP server on 127.0.0.1 for the socket receivers.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ember/ember.hpp"

namespace ember_test {

/// Polls `done` every few milliseconds until it holds or `timeout_ms` passed; returns its last
/// value. For state another thread sets without telling anyone.
template <class Done>
bool pollUntil(Done done, std::int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling, with a deadline
  }
  return true;
}

/// Receiver events as strings ("started", "stopped", "error: <message> / <error>").
class ReceiverEventLog : public ember::StreamingListener {
 public:
  explicit ReceiverEventLog(std::int64_t timeout_ms) : timeout_ms_(timeout_ms) {}

  void onReceiverError(const ember::StreamingListenerReceiverError& e) override {
    add("error: " + e.receiverInfo.lastErrorMessage + " / " + e.receiverInfo.lastError);
  }
  void onReceiverStarted(const ember::StreamingListenerReceiverStarted&) override {
    add("started");
  }
  void onReceiverStopped(const ember::StreamingListenerReceiverStopped&) override {
    add("stopped");
  }
  /// Blocks until at least n events contain `part`, or the timeout passes.
  bool awaitEvents(const std::string& part, int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms_),
                        [&] { return countLocked(part) >= n; });
  }
  int count(const std::string& part) {
    std::lock_guard lock(mutex_);
    return countLocked(part);
  }

 private:
  void add(std::string event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  int countLocked(const std::string& part) const {
    int n = 0;
    for (const auto& e : events_) n += e.find(part) != std::string::npos;
    return n;
  }

  std::int64_t timeout_ms_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

/// A listening TCP socket on 127.0.0.1; port 0 lets the system choose.
class TestServer {
 public:
  explicit TestServer(int port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1:" << port << ": " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
  }
  ~TestServer() {
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  int port() const { return port_; }
  /// Waits for a client to connect, at most 30 s; then fails the test and returns -1.
  int accept() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 30'000) != 1) {
      ADD_FAILURE() << "no client connected to 127.0.0.1:" << port_ << " within 30 s";
      return -1;
    }
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    EXPECT_GE(c, 0) << std::strerror(errno);
    if (c >= 0) clients_.push_back(c);
    return c;
  }
  static void send(int client, const std::string& data) {
    ASSERT_EQ(::send(client, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  void close(int client) {
    ::close(client);
    std::erase(clients_, client);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> clients_;
};

/// Moves the manual clock to the next batch and waits for that batch; returns its time.
inline std::int64_t runBatch(ember::StreamingContext& ssc, std::int64_t timeout_ms) {
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  clock.advance(ssc.batchDuration().milliseconds());
  std::int64_t t = clock.getTimeMillis();
  EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), timeout_ms)) << "batch " << t;
  return t;
}

}  // namespace ember_test
