#pragma once

// A real mosquitto broker for the MQTT tests: started by the test on 127.0.0.1 at a port no
// other process listens on (never the system's 1883), with a generated configuration and its
// persistence in the test's temporary directory; killed and started again at will. Its log
// (every line, debug included) is read on a thread of its own, so that a test can wait for
// what the broker did ("Sending SUBACK to <client>") instead of sleeping.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace ember_test {

/// A TCP port on 127.0.0.1 that was free a moment ago.
inline int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

class MosquittoBroker {
 public:
  /// Writes the configuration into `dir`; `extra` lines are appended to it. Does not start.
  MosquittoBroker(const std::filesystem::path& dir, std::int64_t timeout_ms,
                  const std::string& extra = "")
      : dir_(dir), port_(freeLoopbackPort()), timeout_ms_(timeout_ms) {
    const passwd* user = ::getpwuid(::geteuid());
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous true\n"
         << "persistence true\n"
         << "persistence_location " << dir_.string() << "/\n"
         << "autosave_interval 1\n"
         << "autosave_on_changes true\n"
         << "log_dest stdout\n"
         << "log_type all\n"
         << "log_timestamp false\n"
         // Run as whoever runs the test (as root, mosquitto would switch to its own user, who
         // cannot write the persistence file into the test's directory).
         << "user " << (user ? user->pw_name : "root") << "\n"
         << extra;
  }
  ~MosquittoBroker() { kill(SIGKILL); }
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  int port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  /// Starts the broker and waits until it says it runs (its listening socket is open by then).
  /// Fails the test, with the broker's log, when it does not within the timeout.
  void start() {
    ASSERT_EQ(pid_, -1) << "the broker runs already";
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::string conf = (dir_ / "mosquitto.conf").string();
    // mosquitto writes its log to a pipe in blocks; stdbuf makes it a line at a time (stdbuf
    // execs the broker, so the process id is the broker's).
    std::vector<char*> argv{const_cast<char*>("stdbuf"),
                            const_cast<char*>("-oL"),
                            const_cast<char*>(MOSQUITTO_BROKER_BIN),
                            const_cast<char*>("-c"),
                            conf.data(),
                            nullptr};
    int rc = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      pid_ = -1;
      FAIL() << "cannot start " << MOSQUITTO_BROKER_BIN << ": " << std::strerror(rc);
    }
    {
      std::lock_guard lock(mutex_);
      log_.clear();
      ended_ = false;
    }
    reader_ = std::thread([this, fd = fds[0]] { readLog(fd); });
    ASSERT_TRUE(awaitLog(" running", 1)) << "the broker did not start:\n" << log();
  }

  /// Sends `signal` (SIGKILL: a crash; SIGTERM: the broker saves its database and exits) and
  /// waits for the process to end. Nothing when it does not run.
  void kill(int signal) {
    if (pid_ == -1) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (reader_.joinable()) reader_.join();  // the pipe ends with the process
  }

  /// Blocks until the broker's log since the last start() holds `part` at least n times, or the
  /// timeout passes; returns whether it does.
  bool awaitLog(const std::string& part, int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms_), [&] {
      return countLocked(part) >= n || ended_;
    }) && countLocked(part) >= n;
  }
  int countLog(const std::string& part) {
    std::lock_guard lock(mutex_);
    return countLocked(part);
  }
  std::string log() {
    std::lock_guard lock(mutex_);
    return log_;
  }

 private:
  void readLog(int fd) {
    char buffer[4096];
    for (;;) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      {
        std::lock_guard lock(mutex_);
        log_.append(buffer, static_cast<std::size_t>(n));
      }
      cv_.notify_all();
    }
    ::close(fd);
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
    }
    cv_.notify_all();
  }
  int countLocked(const std::string& part) const {
    int n = 0;
    for (auto at = log_.find(part); at != std::string::npos; at = log_.find(part, at + 1)) ++n;
    return n;
  }

  std::filesystem::path dir_;
  int port_;
  std::int64_t timeout_ms_;
  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string log_;     // guarded by mutex_
  bool ended_ = false;  // guarded by mutex_
};

}  // namespace ember_test
