// Not a test itself: streaming_crash_test starts it, kills it, and asserts on what it writes.
// The program the receiver crash test kills: a reliable receiver (it acknowledges a block of
// records to its server once store() returned, so once the block is in the write-ahead log)
// feeding a stateful count of record ids, with the write-ahead log and a checkpoint directory,
// recoverable with getOrCreate. After each batch it writes to the output file (atomically) how
// many distinct ids the state holds and the longest run 1..n of ids it holds.
//
//   crash_receiver <port> <checkpoint-dir> <output-file> <batch-ms> [--no-log]
//
// --no-log turns the write-ahead log off (to see the test fail without it).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ember/ember.hpp"

namespace {

/// Reads "<id>\n" lines; stores what arrived as one block when the server pauses or 200 lines
/// came, then sends back "<last id>\n" as the acknowledgement.
class AckingReceiver final : public ember::Receiver<std::string> {
 public:
  explicit AckingReceiver(int port)
      : ember::Receiver<std::string>(ember::StorageLevel::MEMORY_AND_DISK_SER), port_(port) {}
  ~AckingReceiver() override { onStop(); }

  void onStart() override {
    if (thread_.joinable()) thread_.join();
    stopping_.store(false);
    thread_ = std::thread([this] { receive(); });
  }
  void onStop() override {
    stopping_.store(true);
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override { return "AckingReceiver"; }

 private:
  void receive() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      restart("cannot connect to the test server");
      return;
    }
    std::string partial;
    std::vector<std::string> block;
    auto flush = [&] {
      if (block.empty()) return true;
      std::string ack = block.back() + "\n";
      store(std::move(block));  // returns once the block is stored (and logged)
      block.clear();
      return ::send(fd, ack.data(), ack.size(), MSG_NOSIGNAL) >= 0;
    };
    char buffer[8192];
    while (!stopping_.load()) {
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, 20);
      if (ready == 0) {
        if (!flush()) break;
        continue;
      }
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      partial.append(buffer, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
        block.push_back(partial.substr(start, nl - start));
        if (block.size() >= 200 && !flush()) break;
      }
      partial.erase(0, start);
    }
    ::close(fd);
    if (!stopping_.load()) restart("the test server went away");
  }

  int port_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

void writeAtomically(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp";
  { std::ofstream(temp, std::ios::trunc) << text; }
  std::rename(temp.c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: crash_receiver <port> <checkpoint-dir> <output-file> <batch-ms> "
                 "[--no-log]\n";
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string checkpoint = argv[2];
  const std::string output = argv[3];
  const std::int64_t batch_ms = std::stoll(argv[4]);
  const bool log = !(argc > 5 && std::string(argv[5]) == "--no-log");

  auto create = [&] {
    ember::Conf conf;
    conf.setMaster("local[2]").setAppName("crash_receiver");
    conf.set("spark.streaming.receiver.writeAheadLog.enable", log ? "true" : "false");
    auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Milliseconds(batch_ms));
    ssc->checkpoint(checkpoint);
    auto ids = ssc->receiverStream(std::make_shared<AckingReceiver>(port));
    auto counts = ids.map([](std::string id) {
                       return std::pair{std::move(id), 1L};
                     })
                      .updateStateByKey(
                          [](const std::vector<long>& values, const std::optional<long>& state) {
                            long sum = state.value_or(0);
                            for (long v : values) sum += v;
                            return std::optional<long>(sum);
                          });
    counts.checkpoint(ember::Milliseconds(batch_ms * 3));
    counts.foreachRDD([output](const ember::Rdd<std::pair<std::string, long>>& rdd) {
      std::set<long> seen;
      for (const auto& [id, n] : rdd.collect()) seen.insert(std::stol(id));
      long run = 0;
      while (seen.contains(run + 1)) ++run;
      writeAtomically(output, std::to_string(seen.size()) + " " + std::to_string(run) + "\n");
    });
    return ssc;
  };
  auto ssc = ember::StreamingContext::getOrCreate(checkpoint, create);
  ssc->start();
  ssc->awaitTermination();
  return 0;
}
