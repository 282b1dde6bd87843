// The connector recipe of docs/connectors.md, run: a reliable polling receiver
// (examples/polling_source_receiver.hpp, the shape of Flume's polling stream and of a Kinesis
// shard reader) feeding a word count in one-second batches.
//
//   connector_recipe_receiver HOST PORT [--seconds N]   poll the source at HOST:PORT
//   connector_recipe_receiver [--seconds N]             poll an embedded source on 127.0.0.1
//                                                        that hands out the lines of kSentences,
//                                                        one batch of three every 100 ms
//
// Without --seconds it runs until killed; with it, it stops gracefully after N seconds and exits
// 0. Bad arguments print the usage and exit 2; --help prints it and exits 0.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"
#include "polling_source_receiver.hpp"

namespace {

constexpr const char* kUsage =
    "usage: connector_recipe_receiver [HOST PORT] [--seconds N]\n"
    "  HOST PORT    the source to poll (the protocol of examples/polling_source_receiver.hpp)\n"
    "               without them, an embedded source hands out sample lines\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

/// A source on 127.0.0.1 (port chosen by the system) that answers each POLL, after 100 ms, with
/// a batch of the three sentences; one connection at a time, until destroyed.
class EmbeddedSource {
 public:
  /// Throws ember::IoError when the socket cannot be set up.
  EmbeddedSource() {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_ < 0 || ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_, 4) != 0 ||
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw ember::IoError("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~EmbeddedSource() {
    stop_ = true;
    ::shutdown(listen_, SHUT_RDWR);  // ends a blocked accept()
    thread_.join();
    ::close(listen_);
  }
  int port() const { return port_; }

 private:
  void serve() {
    long id = 0;
    while (!stop_) {
      int client = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      std::string in;
      char buffer[256];
      ssize_t n = 0;
      while (!stop_ && (n = ::recv(client, buffer, sizeof buffer, 0)) > 0) {
        in.append(buffer, static_cast<std::size_t>(n));
        for (auto end = in.find('\n'); end != std::string::npos; end = in.find('\n')) {
          std::string line = in.substr(0, end);
          in.erase(0, end + 1);
          if (line.rfind("POLL", 0) != 0) continue;  // ACKs: nothing to keep in this demo
          std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the source's pace
          std::string reply = "BATCH " + std::to_string(++id) + " 3\n";
          for (const auto& s : kSentences) reply += s + "\n";
          ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
        }
      }
      ::close(client);
    }
  }

  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int usage(const std::string& error) {
  return ember::examples::printUsage("connector_recipe_receiver", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 0 && args->positional.size() != 2) {
    return usage("give both HOST and PORT, or neither");
  }
  std::unique_ptr<EmbeddedSource> embedded;
  std::string host = "127.0.0.1";
  int port = 0;
  if (args->positional.empty()) {
    embedded = std::make_unique<EmbeddedSource>();
    port = embedded->port();
  } else {
    host = args->positional[0];
    auto parsed = ember::examples::parseInteger(args->positional[1]);
    if (!parsed) return usage("PORT '" + args->positional[1] + "' is not a number");
    port = static_cast<int>(*parsed);
  }

  ember::StreamingContext ssc("local[2]", "ConnectorRecipe", ember::Seconds(1));
  try {
    auto receiver = std::make_shared<ember::examples::PollingSourceReceiver>(host, port);
    auto lines = ssc.receiverStream<std::string>(receiver);
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    auto wordCounts = words.map([](std::string word) {
                             return std::pair{std::move(word), 1};
                           })
                          .reduceByKey(std::plus<>{});
    wordCounts.pprint();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
