// Records/s through an MQTT stream on loopback, against a hand-written libmosquitto subscriber
// reading the same messages (the baseline), in one run.
//
//   mqtt_source_bench [--records=N] [--rounds=R]   (defaults 200,000 and 2; the order of the
//                                                  two sides alternates between rounds)
//
// The bench starts a mosquitto broker (Debian's mosquitto package) on a free port of 127.0.0.1
// with no queue limit. For each subscriber it first makes a persistent session (clean session
// off, QoS 1), then publishes N messages "record-<i>" at QoS 1 while the subscriber is away, so
// that the broker holds them all; then the subscriber connects and the time from its connection
// to the last message counted is taken. Baseline: a libmosquitto client counting messages.
// ember: MQTTUtils' receiver with the same client settings, counting the records of 100 ms
// batches. The publisher's speed is out of the figures; a count other than N fails the run.

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
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"
#include "ember/mqtt.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kProgram = "mqtt_source_bench";

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

/// A mosquitto broker on a free loopback port, its configuration in a temporary directory.
class Broker {
 public:
  Broker() : port_(freeLoopbackPort()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("mqtt_source_bench_" + std::string(6, 'X')));
    if (::mkdtemp(pattern.data()) == nullptr) ember::bench::failRun(kProgram, "no temp dir");
    dir_ = pattern;
    std::ofstream(dir_ / "mosquitto.conf") << "listener " << port_ << " 127.0.0.1\n"
                                           << "allow_anonymous true\n"
                                           << "max_queued_messages 0\n"
                                           << "max_queued_bytes 0\n"
                                           << "max_inflight_messages 100\n"
                                           << "log_dest none\n";
    std::string conf = (dir_ / "mosquitto.conf").string();
    std::string program = "/usr/sbin/mosquitto";
    std::vector<char*> argv{program.data(), const_cast<char*>("-c"), conf.data(), nullptr};
    if (::posix_spawn(&pid_, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      ember::bench::failRun(kProgram, "cannot start " + program + " (the mosquitto package)");
    }
  }
  ~Broker() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  int port() const { return port_; }

 private:
  int port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

/// A libmosquitto client connected to the broker (no network thread: the caller loops).
mosquitto* connectClient(int port, const char* id, bool clean, void* user) {
  mosquitto* client = mosquitto_new(id, clean, user);
  int rc = MOSQ_ERR_NO_CONN;
  // The broker opens its socket a moment after it starts: try for 10 s.
  for (int attempt = 0; attempt < 100 && rc != MOSQ_ERR_SUCCESS; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    rc = mosquitto_connect(client, "127.0.0.1", port, 60);
  }
  if (rc != MOSQ_ERR_SUCCESS) ember::bench::failRun(kProgram, "the broker does not answer");
  return client;
}

void closeClient(mosquitto* client) {
  mosquitto_disconnect(client);
  mosquitto_loop(client, 100, 1);
  mosquitto_destroy(client);
}

struct Acks {
  std::int64_t count = 0;
};

/// Makes the persistent session `id` subscribed to "bench/data" at QoS 1, then publishes n
/// records at QoS 1 and waits for the broker's acknowledgements: the broker then holds them for
/// the session.
void prepareBacklog(int port, const char* id, std::int64_t n) {
  mosquitto* sub = connectClient(port, id, false, nullptr);
  mosquitto_subscribe(sub, nullptr, "bench/data", 1);
  for (int i = 0; i < 10; ++i) mosquitto_loop(sub, 50, 1);  // the SUBACK
  closeClient(sub);
  Acks acks;
  mosquitto* pub = connectClient(port, nullptr, true, &acks);
  mosquitto_publish_callback_set(
      pub, [](mosquitto*, void* user, int) { ++static_cast<Acks*>(user)->count; });
  std::string payload;
  for (std::int64_t i = 0; i < n; ++i) {
    payload = "record-" + std::to_string(i);
    mosquitto_publish(pub, nullptr, "bench/data", static_cast<int>(payload.size()), payload.data(),
                      1, false);
    if (i % 256 == 255) mosquitto_loop(pub, 0, 1);
  }
  auto deadline = Clock::now() + std::chrono::minutes(2);
  while (acks.count < n && Clock::now() < deadline) mosquitto_loop(pub, 100, 1);
  closeClient(pub);
  if (acks.count != n) ember::bench::failRun(kProgram, "the broker did not take every record");
}

struct Counter {
  std::atomic<std::int64_t> count{0};
  std::int64_t n = 0;
  Clock::time_point end;
};

/// A client id not used before in this run: each measurement starts with a fresh session.
std::string freshId(const char* prefix) {
  static int next = 0;
  return std::string(prefix) + "-" + std::to_string(++next);
}

double baseline(int port, std::int64_t n) {
  const std::string id = freshId("bench-baseline");
  prepareBacklog(port, id.c_str(), n);
  Counter counter;
  counter.n = n;
  auto begin = Clock::now();
  mosquitto* sub = connectClient(port, id.c_str(), false, &counter);
  mosquitto_message_callback_set(sub, [](mosquitto*, void* user, const mosquitto_message*) {
    auto& c = *static_cast<Counter*>(user);
    if (c.count.fetch_add(1) + 1 == c.n) c.end = Clock::now();
  });
  auto deadline = Clock::now() + std::chrono::minutes(2);
  while (counter.count.load() < n && Clock::now() < deadline) mosquitto_loop(sub, 100, 1);
  closeClient(sub);
  if (counter.count.load() != n) {
    ember::bench::failRun(kProgram, "the baseline counted " + std::to_string(counter.count.load()));
  }
  return std::chrono::duration<double>(counter.end - begin).count();
}

double viaEmber(int port, std::int64_t n) {
  const std::string id = freshId("bench-ember");
  prepareBacklog(port, id.c_str(), n);
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName(kProgram);
  ember::StreamingContext ssc(conf, ember::Milliseconds(100));
  ember::MQTTOptions options;
  options.clientId = id;
  options.cleanSession = false;
  options.qos = 1;
  auto records =
      ember::MQTTUtils::createStream(ssc, "tcp://127.0.0.1:" + std::to_string(port), "bench/data",
                                     ember::StorageLevel::MEMORY_ONLY, options);
  std::atomic<std::int64_t> counted{0};
  std::atomic<std::int64_t> end_ns{0};
  records.foreachRDD([&](const ember::Rdd<std::string>& rdd, ember::Time) {
    const std::int64_t c = rdd.count();
    if (counted.fetch_add(c) + c >= n && end_ns.load() == 0) {
      end_ns = Clock::now().time_since_epoch().count();
    }
  });
  auto begin = Clock::now();
  ssc.start();
  auto deadline = Clock::now() + std::chrono::minutes(2);
  while (end_ns.load() == 0 && Clock::now() < deadline) ssc.awaitTerminationOrTimeout(10);
  ssc.stop();
  if (counted.load() != n) {
    ember::bench::failRun(kProgram, "ember counted " + std::to_string(counted.load()) +
                                        " records, not " + std::to_string(n));
  }
  return std::chrono::duration<double>(Clock::time_point(Clock::duration(end_ns.load())) - begin)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 2;
  std::int64_t n = 200'000;
  for (int i = 1; i < argc; ++i) {
    if (auto v = ember::bench::optionValue(argv[i], "records")) {
      n = std::stoll(*v);
    } else if (auto r = ember::bench::optionValue(argv[i], "rounds")) {
      rounds = std::stoi(*r);
    } else {
      ember::bench::failRun(kProgram, std::string("unknown argument ") + argv[i]);
    }
  }
  mosquitto_lib_init();
  Broker broker;
  std::printf("%s: %lld records of about 14 bytes at QoS 1, held by mosquitto, on loopback\n",
              kProgram, static_cast<long long>(n));
  // The order alternates between rounds, so that neither side always runs first.
  for (int round = 1; round <= rounds; ++round) {
    double base = 0;
    double ember_s = 0;
    if (round % 2 == 1) {
      base = baseline(broker.port(), n);
      ember_s = viaEmber(broker.port(), n);
    } else {
      ember_s = viaEmber(broker.port(), n);
      base = baseline(broker.port(), n);
    }
    std::printf("round %d (%s first)\n", round, round % 2 == 1 ? "baseline" : "ember");
    std::printf("  %-28s %10.3f s %14.0f records/s\n", "hand-written subscriber", base, n / base);
    std::printf("  %-28s %10.3f s %14.0f records/s  (%.2fx the subscriber)\n",
                "MQTTUtils.createStream", ember_s, n / ember_s, base / ember_s);
    std::fflush(stdout);
  }
  return 0;
}
