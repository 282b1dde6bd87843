// End-to-end latency at small batches: a loopback server sends lines at a fixed rate, each line
// "<send time in ns> word word ...", to socketTextStream; every batch counts the words
// (reduceByKey, collected) and then a second output stamps each line's latency: the time that
// output ran minus the line's send time. The table gives p50, p99 and the maximum, and the
// lines received against sent. --batch-ms and --master take lists: every combination runs in
// turn (a new server and context each), one row each.
//
//   latency_bench [--rate=100000] [--seconds=10] [--batch-ms=10[,100...]] [--block-ms=5]
//                 [--warmup-seconds=2] [--master=local[2][,local[1]...]]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::int64_t rate = 100'000;
  int seconds = 10;
  int warmup_seconds = 2;
  std::vector<std::int64_t> batch_ms{10};
  std::int64_t block_ms = 5;
  std::vector<std::string> master{"local[2]"};
};

[[noreturn]] void fail(const std::string& message) {
  ember::bench::failRun("latency_bench", message);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("rate")) {
      o.rate = std::stoll(*v);
    } else if (auto v = value("seconds")) {
      o.seconds = std::stoi(*v);
    } else if (auto v = value("warmup-seconds")) {
      o.warmup_seconds = std::stoi(*v);
    } else if (auto v = value("batch-ms")) {
      o.batch_ms.clear();
      ember::forEachSplit(
          *v, ',', [&](std::string_view b) { o.batch_ms.push_back(std::stoll(std::string(b))); });
    } else if (auto v = value("block-ms")) {
      o.block_ms = std::stoll(*v);
    } else if (auto v = value("master")) {
      o.master.clear();
      ember::forEachSplit(*v, ',', [&](std::string_view m) { o.master.emplace_back(m); });
    } else {
      fail("unknown argument " + std::string(arg) +
           " (allowed: --rate --seconds --warmup-seconds --batch-ms --block-ms --master)");
    }
  }
  if (o.rate <= 0 || o.seconds <= 0 || o.warmup_seconds < 0 || o.block_ms <= 0 ||
      o.batch_ms.empty() || o.master.empty() ||
      std::any_of(o.batch_ms.begin(), o.batch_ms.end(), [](auto b) { return b <= 0; })) {
    fail("rate, seconds, batch-ms and block-ms must be positive");
  }
  return o;
}

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

/// Sends `rate` lines a second, in bursts every millisecond, to the first client, for `seconds`.
class PacedServer {
 public:
  PacedServer(std::int64_t rate, int seconds) : rate_(rate), seconds_(seconds) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      fail(std::string("cannot listen on loopback: ") + std::strerror(errno));
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~PacedServer() {
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::int64_t sent() const { return sent_.load(); }
  bool done() const { return done_.load(); }

 private:
  void run() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 30'000) <= 0) fail("no client connected within 30 s");
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    const std::int64_t per_ms = std::max<std::int64_t>(1, rate_ / 1000);
    auto start = SteadyClock::now();
    std::string burst;
    for (std::int64_t ms = 0; ms < seconds_ * 1000; ++ms) {
      std::this_thread::sleep_until(start + std::chrono::milliseconds(ms));
      burst.clear();
      std::string stamp = std::to_string(nowNs());
      for (std::int64_t i = 0; i < per_ms; ++i) {
        burst += stamp;
        burst += " the quick brown fox\n";
      }
      if (::send(client, burst.data(), burst.size(), MSG_NOSIGNAL) < 0) break;
      sent_.fetch_add(per_ms);
    }
    done_.store(true);
    ::close(client);
  }

  std::int64_t rate_;
  int seconds_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<std::int64_t> sent_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

namespace {

/// One run: a server, a context on `master` with `batch_ms` batches; prints its table row.
void runOnce(const Options& o, const std::string& master, std::int64_t batch_ms) {
  PacedServer server(o.rate, o.warmup_seconds + o.seconds);
  ember::Conf conf;
  conf.setMaster(master).setAppName("latency-bench");
  conf.set("spark.streaming.blockInterval", std::to_string(o.block_ms) + "ms");
  ember::StreamingContext ssc(conf, ember::Milliseconds(batch_ms));
  auto lines = ssc.socketTextStream("127.0.0.1", server.port(), ember::StorageLevel::MEMORY_ONLY);
  std::atomic<std::int64_t> words{0};
  lines
      .flatMap([](const std::string& line) {
        auto all = ember::split(line, ' ');
        return std::vector<std::string>(all.begin() + (all.empty() ? 0 : 1), all.end());
      })
      .map([](std::string w) {
        return std::pair{std::move(w), 1L};
      })
      .reduceByKey([](long a, long b) { return a + b; })
      .foreachRDD([&words](const ember::Rdd<std::pair<std::string, long>>& rdd) {
        for (const auto& [w, n] : rdd.collect()) words.fetch_add(n);
      });
  std::mutex mutex;
  std::vector<std::int64_t> latencies_us;
  std::atomic<std::int64_t> received{0};
  const std::int64_t measure_from = nowNs() + std::int64_t{o.warmup_seconds} * 1'000'000'000;
  lines.map([](const std::string& line) { return std::stoll(line.substr(0, line.find(' '))); })
      .foreachRDD([&](const ember::Rdd<long long>& rdd) {
        auto stamps = rdd.collect();
        std::int64_t now = nowNs();
        received.fetch_add(static_cast<std::int64_t>(stamps.size()));
        std::lock_guard lock(mutex);
        for (long long sent : stamps) {
          if (sent >= measure_from) latencies_us.push_back((now - sent) / 1000);
        }
      });
  ssc.start();
  while (!server.done()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Let the last lines through: at most one second more.
  auto deadline = SteadyClock::now() + std::chrono::seconds(1);
  while (received.load() < server.sent() && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ssc.stop(true, false);
  std::lock_guard lock(mutex);
  if (latencies_us.empty()) fail("no line was measured");
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us[std::min(latencies_us.size() - 1,
                                 static_cast<std::size_t>(p * latencies_us.size()))] /
           1000.0;
  };
  std::printf("| %s | %lld | %.1f | %.1f | %.1f | %.2f | %lld | %lld |\n", master.c_str(),
              static_cast<long long>(batch_ms), pct(0.5), pct(0.99), latencies_us.back() / 1000.0,
              pct(0.99) / static_cast<double>(batch_ms), static_cast<long long>(server.sent()),
              static_cast<long long>(received.load()));
  std::fflush(stdout);
  if (words.load() <= 0) fail("no word was counted");
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::printf("## End-to-end latency, %lld lines/s, %lld ms blocks, %d s measured\n\n",
              static_cast<long long>(o.rate), static_cast<long long>(o.block_ms), o.seconds);
  std::printf(
      "| master | batch ms | p50 ms | p99 ms | max ms | p99 / batch | lines sent | lines "
      "received |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const auto& master : o.master) {
    for (auto batch_ms : o.batch_ms) runOnce(o, master, batch_ms);
  }
  return 0;
}
