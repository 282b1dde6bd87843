// The guide's custom receiver (CustomReceiver): a receiver written by the user on
// ember::Receiver<T> that reads UTF-8 lines from a TCP server and stores each one, used for a
// word count in one-second batches.
//
//   custom_receiver HOST PORT [--seconds N]   read lines from HOST:PORT (e.g. `nc -lk 9999`)
//   custom_receiver [--seconds N]             read from an embedded server on 127.0.0.1 that
//                                              sends the lines of kSentences, ten a second
//   custom_receiver --help                    print the usage and exit
//
// Without --seconds it runs until killed; with it, it stops gracefully after N seconds and
// exits 0. Bad arguments print the usage and exit 2.

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"
#include "line_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: custom_receiver [HOST PORT] [--seconds N]\n"
    "  HOST PORT    the server to read lines of text from (e.g. `nc -lk 9999` on localhost)\n"
    "               without them, an embedded server sends sample lines\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n"
    "  --help       print this and exit\n";

const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

/// A blocking TCP connection to host:port, or -1 with `error` set.
int connectTo(const std::string& host, int port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found)) {
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

/// The guide's CustomReceiver. Unlike the JVM, C++ cannot leave the receiving thread to notice
/// isStopped() by itself while it blocks in a read, so onStop() shuts the socket down to wake
/// it, and waits for it. (A connect to a host that never answers still blocks until the system
/// gives up; ember's own socket receivers use a connect that stopping cuts short.)
class CustomReceiver final : public ember::Receiver<std::string> {
 public:
  CustomReceiver(std::string host, int port)
      : Receiver<std::string>(ember::StorageLevel::MEMORY_AND_DISK_2),
        host_(std::move(host)),
        port_(port) {}
  ~CustomReceiver() override { onStop(); }

  void onStart() override {
    // Start the thread that receives data over a connection.
    if (thread_.joinable()) thread_.join();
    thread_ = std::thread([this] { receive(); });
  }

  void onStop() override {
    {
      std::lock_guard lock(mutex_);
      if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);  // a blocked read returns at once
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  std::string name() const override { return "CustomReceiver"; }

 private:
  /// Creates a socket connection and receives data until the receiver is stopped.
  void receive() {
    std::string error;
    int fd = connectTo(host_, port_, error);
    if (fd < 0) {
      restart("Error connecting to " + host_ + ":" + std::to_string(port_),
              std::make_exception_ptr(ember::IoError(error)));
      return;
    }
    {
      // onStop() marks the receiver stopped before it runs: checked under the lock, either it
      // sees this socket or this thread sees that it stopped.
      std::lock_guard lock(mutex_);
      if (isStopped()) {
        ::close(fd);
        return;
      }
      socket_ = fd;
    }
    try {
      std::string line;
      // Until stopped or the connection is broken, keep reading.
      while (!isStopped() && readLine(fd, line)) store(line);
      closeSocket();
      // Restart in an attempt to connect again when the server is active again.
      restart("Trying to connect again");
    } catch (const std::exception&) {
      closeSocket();
      restart("Error receiving data", std::current_exception());
    }
  }

  /// The next line without its "\n" or "\r\n"; false at the end of the stream. Throws IoError
  /// when reading fails.
  bool readLine(int fd, std::string& line) {
    for (;;) {
      if (auto end = pending_.find('\n'); end != std::string::npos) {
        line.assign(pending_, 0, end);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pending_.erase(0, end + 1);
        return true;
      }
      char buffer[4096];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw ember::IoError(std::string("recv: ") + std::strerror(errno));
      if (n == 0) {
        // As readLine: a last line without a newline is still a line.
        if (pending_.empty()) return false;
        line.swap(pending_);
        pending_.clear();
        return true;
      }
      pending_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  void closeSocket() {
    std::lock_guard lock(mutex_);
    ::close(socket_);
    socket_ = -1;
    pending_.clear();
  }

  std::string host_;
  int port_;
  std::mutex mutex_;
  int socket_ = -1;      // guarded by mutex_
  std::string pending_;  // bytes read past the last line; the receiving thread's
  std::thread thread_;
};

int usage(const std::string& error) {
  return ember::examples::printUsage("custom_receiver", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help") {
      std::cout << kUsage;
      return 0;
    }
  }
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  auto source =
      ember::examples::openLineSource(args->positional, kSentences, "custom_receiver", error);
  if (!source) return usage(error);
  if (source->port < 1 || source->port > 65535) {
    return usage("port " + std::to_string(source->port) + " is outside 1-65535");
  }

  ember::StreamingContext ssc("local[2]", "CustomReceiver", ember::Seconds(1));
  // Create an input stream with the custom receiver on the target host:port and count the
  // words in the received lines.
  auto lines = ssc.receiverStream(std::make_shared<CustomReceiver>(source->host, source->port));
  auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
  auto wordCounts = words.map([](std::string word) {
                           return std::pair{std::move(word), 1};
                         })
                        .reduceByKey(std::plus<>{});
  wordCounts.pprint();
  return ember::examples::runContext(ssc, *args);
}
