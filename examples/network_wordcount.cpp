// The guide's first example (NetworkWordCount): counts the words of the lines a TCP server
// sends, in one-second batches.
//
//   network_wordcount HOST PORT [--seconds N]   read lines from HOST:PORT (e.g. `nc -lk 9999`)
//   network_wordcount [--seconds N]             read from an embedded server on 127.0.0.1 that
//                                                sends the lines of kSentences, ten a second
//
// Without --seconds it runs until killed, as the guide's; with it, it stops gracefully after N
// seconds and exits 0. Bad arguments print the usage and exit 2.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"

namespace {

constexpr const char* kUsage =
    "usage: network_wordcount [HOST PORT] [--seconds N]\n"
    "  HOST PORT    the server to read lines of text from (e.g. `nc -lk 9999` on localhost)\n"
    "               without them, an embedded server sends sample lines\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

/// What the embedded server sends, in this order, over and over. Every batch therefore has
/// to = be = 2 x or = 2 x not, and hello = world + ember (a line never spans two batches).
const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

/// A TCP server on 127.0.0.1 (port chosen by the system) that sends each client the lines of
/// kSentences, one every 100 ms, until stopped.
class LineServer {
 public:
  LineServer() {
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
      std::string line = kSentences[i % kSentences.size()] + "\n";
      if (::send(client, line.data(), line.size(), MSG_NOSIGNAL) < 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the pace of a typist
    }
    ::close(client);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::thread> senders_;
  std::thread acceptor_;
};

int usage(const std::string& error) {
  if (!error.empty()) std::cerr << "network_wordcount: " << error << "\n";
  std::cerr << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->positional.size() != 0 && args->positional.size() != 2) {
    return usage("expected HOST PORT or nothing");
  }
  std::string host = "127.0.0.1";
  int port = 0;
  std::unique_ptr<LineServer> server;
  if (args->positional.size() == 2) {
    host = args->positional[0];
    auto parsed = ember::examples::parseInteger(args->positional[1]);
    if (!parsed) return usage("PORT must be a number, got '" + args->positional[1] + "'");
    // Values outside 1-65535 are left to socketTextStream, which refuses them naming the rule.
    if (*parsed < std::numeric_limits<int>::min() || *parsed > std::numeric_limits<int>::max()) {
      return usage("socketTextStream: port " + args->positional[1] + " is outside 1-65535");
    }
    port = static_cast<int>(*parsed);
  } else {
    server = std::make_unique<LineServer>();
    port = server->port();
    std::cerr << "network_wordcount: embedded server on 127.0.0.1:" << port << "\n";
  }

  ember::StreamingContext ssc("local[2]", "NetworkWordCount", ember::Seconds(1));
  try {
    auto lines = ssc.socketTextStream(host, port);
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    auto pairs = words.map([](std::string word) { return std::pair{std::move(word), 1}; });
    auto wordCounts = pairs.reduceByKey(std::plus<>{});
    wordCounts.pprint();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
