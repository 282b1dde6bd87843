// Spark's MQTTWordCount: counts the words of the messages published to an MQTT topic, in
// two-second batches.
//
//   mqtt_wordcount BROKER_URL TOPIC [--seconds N]   subscribe to TOPIC at BROKER_URL
//                                                    (tcp://host:port, e.g. a local mosquitto)
//   mqtt_wordcount [--seconds N]                     start a mosquitto broker on a free port of
//                                                    127.0.0.1 and an embedded publisher that
//                                                    sends the lines of kSentences to topic
//                                                    "words", ten a second
//
// Without --seconds it runs until killed; with it, it stops gracefully after N seconds and exits
// 0. Bad arguments print the usage and exit 2; --help prints it and exits 0; without a broker
// program for the embedded mode it says so and exits 1.

#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/mqtt.hpp"
#include "example_args.hpp"

extern char** environ;

namespace {

constexpr const char* kUsage =
    "usage: mqtt_wordcount [BROKER_URL TOPIC] [--seconds N]\n"
    "  BROKER_URL TOPIC  the broker (e.g. tcp://localhost:1883) and the topic to subscribe to\n"
    "                    without them, a mosquitto broker is started on a free local port and\n"
    "                    an embedded publisher sends sample lines to topic 'words'\n"
    "  --seconds N       stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

int freeLoopbackPort() {
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

/// A mosquitto broker on 127.0.0.1 at a free port, with a configuration in a temporary
/// directory, and a publisher that sends [sentence] to "words" ten times a second; both end with
/// the object.
class EmbeddedBroker {
 public:
  /// Throws ember::IoError when the broker cannot be started or reached.
  EmbeddedBroker() : port_(freeLoopbackPort()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("mqtt_wordcount_" + std::string(6, 'X')));
    if (::mkdtemp(pattern.data()) == nullptr) throw ember::IoError("cannot make a directory");
    dir_ = pattern;
    std::ofstream(dir_ / "mosquitto.conf") << "listener " << port_ << " 127.0.0.1\n"
                                           << "allow_anonymous true\n"
                                           << "log_dest none\n";
    std::string conf = (dir_ / "mosquitto.conf").string();
    std::string program = findBroker();
    std::vector<char*> argv{program.data(), const_cast<char*>("-c"), conf.data(), nullptr};
    if (program.empty() ||
        ::posix_spawn(&pid_, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
      throw ember::IoError("cannot start the mosquitto broker (install the mosquitto package)");
    }
    mosquitto_lib_init();
    client_ = mosquitto_new(nullptr, true, nullptr);
    // The broker needs a moment to open its socket: connect until it answers, for 10 s at most.
    int rc = MOSQ_ERR_NO_CONN;
    for (int attempt = 0; attempt < 100 && rc != MOSQ_ERR_SUCCESS; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      rc = mosquitto_connect(client_, "127.0.0.1", port_, 60);
    }
    if (rc != MOSQ_ERR_SUCCESS) throw ember::IoError("the mosquitto broker does not answer");
    mosquitto_loop_start(client_);
    thread_ = std::thread([this] {
      for (std::size_t i = 0; !stop_; ++i) {
        const std::string& line = kSentences[i % kSentences.size()];
        mosquitto_publish(client_, nullptr, "words", static_cast<int>(line.size()), line.data(), 0,
                          false);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the publishing pace
      }
    });
  }
  ~EmbeddedBroker() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (client_) {
      mosquitto_disconnect(client_);
      mosquitto_loop_stop(client_, false);
      mosquitto_destroy(client_);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  static std::string findBroker() {
    for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"}) {
      if (::access(candidate, X_OK) == 0) return candidate;
    }
    return "";
  }

  int port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  mosquitto* client_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int usage(const std::string& error) {
  return ember::examples::printUsage("mqtt_wordcount", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 0 && args->positional.size() != 2) {
    return usage("give both BROKER_URL and TOPIC, or neither");
  }
  std::unique_ptr<EmbeddedBroker> embedded;
  std::string url, topic;
  if (args->positional.empty()) {
    try {
      embedded = std::make_unique<EmbeddedBroker>();
    } catch (const ember::Error& e) {
      std::cerr << "mqtt_wordcount: " << e.what() << "\n";
      return 1;
    }
    url = embedded->url();
    topic = "words";
    std::cerr << "mqtt_wordcount: subscribing to the embedded broker at " << url << "\n";
  } else {
    url = args->positional[0];
    topic = args->positional[1];
  }

  ember::StreamingContext ssc("local[2]", "MQTTWordCount", ember::Seconds(2));
  try {
    auto lines =
        ember::MQTTUtils::createStream(ssc, url, topic, ember::StorageLevel::MEMORY_ONLY_SER_2);
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
