// Receiver throughput with the write-ahead log against without: one receiver stores records
// (about 24 bytes each) as fast as it can for `--seconds`, as blocks of `--block` records
// (store(std::vector), which returns once the block is stored: with the log, once its bytes and
// its event are written and each synced with fdatasync), or one record at a time (store(T), cut
// into a block every spark.streaming.blockInterval, each block then logged and synced). The job
// counts each batch. Runs alternate with and without the log, `--reps` rounds; the table gives
// the best records/s of each.
//
//   wal_bench [--seconds=3] [--block=1000] [--reps=3] [--master=local[2]]

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  int seconds = 3;
  int block = 1000;
  int reps = 3;
  std::string master = "local[2]";
};

[[noreturn]] void fail(const std::string& message) {
  ember::bench::failRun("wal_bench", message);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("seconds")) {
      o.seconds = std::stoi(*v);
    } else if (auto v = value("block")) {
      o.block = std::stoi(*v);
    } else if (auto v = value("reps")) {
      o.reps = std::stoi(*v);
    } else if (auto v = value("master")) {
      o.master = *v;
    } else {
      fail("unknown argument " + std::string(arg) +
           " (allowed: --seconds --block --reps --master)");
    }
  }
  if (o.seconds <= 0 || o.block <= 0 || o.reps <= 0) fail("every number must be positive");
  return o;
}

/// Stores records as fast as it can: blocks of `block` records, or one at a time when 0.
class FloodReceiver final : public ember::Receiver<std::string> {
 public:
  explicit FloodReceiver(int block)
      : ember::Receiver<std::string>(ember::StorageLevel::MEMORY_AND_DISK_SER), block_(block) {}
  ~FloodReceiver() override { onStop(); }
  void onStart() override {
    stopping_.store(false);
    thread_ = std::thread([this] {
      std::int64_t n = 0;
      while (!stopping_.load() && !isStopped()) {
        if (block_ == 0) {
          store("record number " + std::to_string(n++));
          continue;
        }
        std::vector<std::string> records;
        records.reserve(static_cast<std::size_t>(block_));
        for (int i = 0; i < block_; ++i) records.push_back("record number " + std::to_string(n++));
        store(std::move(records));
      }
    });
  }
  void onStop() override {
    stopping_.store(true);
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  int block_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

double run(const Options& o, int block, bool log) {
  // mkdtemp fills in the last six characters of the template, which must be X.
  std::string pattern =
      (fs::temp_directory_path() / ("ember_wal_bench_" + std::string(6, 'X'))).string();
  fs::path dir = ::mkdtemp(pattern.data());
  ember::Conf conf;
  conf.setMaster(o.master).setAppName("wal-bench");
  conf.set("spark.streaming.receiver.writeAheadLog.enable", log ? "true" : "false");
  auto receiver = std::make_shared<FloodReceiver>(block);
  std::atomic<std::int64_t> counted{0};
  double rate = 0;
  {
    ember::StreamingContext ssc(conf, ember::Seconds(1));
    ssc.checkpoint((dir / "ckpt").string());
    ssc.receiverStream(receiver).foreachRDD(
        [&counted](const ember::Rdd<std::string>& rdd) { counted.fetch_add(rdd.count()); });
    ssc.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // warm up
    std::int64_t before = receiver->numRecordsStored();
    auto t0 = SteadyClock::now();
    std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
    std::int64_t stored = receiver->numRecordsStored() - before;
    rate = static_cast<double>(stored) /
           std::chrono::duration<double>(SteadyClock::now() - t0).count();
    ssc.stop(true, false);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::printf("## One receiver's records/s with the write-ahead log and without, best of %d\n\n",
              o.reps);
  std::printf("| store | without log | with log (fdatasync per block) | ratio |\n");
  std::printf("| --- | ---: | ---: | ---: |\n");
  for (int block : {o.block, 0}) {
    double best[2] = {0, 0};
    for (int rep = 0; rep < o.reps; ++rep) {
      for (int log = 0; log < 2; ++log) best[log] = std::max(best[log], run(o, block, log != 0));
    }
    std::string what = block > 0 ? "blocks of " + std::to_string(block) + " (store(vector))"
                                 : "one record at a time (store(T), 200 ms blocks)";
    std::printf("| %s | %.0f | %.0f | %.3f |\n", what.c_str(), best[0], best[1], best[1] / best[0]);
  }
  return 0;
}
