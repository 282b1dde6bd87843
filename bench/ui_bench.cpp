// The cost of the web UI and its metrics: the same runs with spark.ui.enabled false and true,
// alternated in one process, and with --wrk, the same again while wrk sends 200 concurrent
// connections' requests at the UI's JSON API, the Streaming page and /metrics.
//
//   empty batches: a ManualClock context, one queueStream that stays empty and one
//     foreachRDD(count); each batch timed from advancing the clock to awaitBatchProcessed.
//   word count: each batch one RDD of --lines lines of 10 words (1000 distinct), through
//     flatMap, map, reduceByKey and count; records per second over the timed batches.
//
// Usage: ui_bench [--batches=2000] [--wc-batches=200] [--lines=20000] [--rounds=3]
//                 [--master=local[2]] [--wrk]
// Every run checks its answer (counts of the word-count batches, zero records of empty batches).

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <ember/ember.hpp>

#include "bench_args.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr const char* kProgram = "ui_bench";
constexpr std::int64_t kBatchMs = 1000;

struct Options {
  int batches = 2000;
  int wc_batches = 200;
  int lines = 20000;
  int rounds = 3;
  std::string master = "local[2]";
  bool wrk = false;
};

ember::Conf conf(const Options& o, bool ui) {
  ember::Conf c;
  c.setMaster(o.master).setAppName("ui-bench").set("spark.streaming.clock", "ManualClock");
  c.set("spark.ui.enabled", ui ? "true" : "false").set("spark.ui.port", "0");
  c.set("spark.ui.showConsoleProgress", "false");
  return c;
}

void advance(ember::StreamingContext& ssc, std::int64_t k) {
  dynamic_cast<ember::ManualClock&>(ssc.clock()).advance(kBatchMs);
  if (!ssc.core().awaitBatchProcessed(ember::Time(k * kBatchMs), 120'000)) {
    ember::bench::failRun(kProgram, "batch " + std::to_string(k) + " not processed in 120 s");
  }
}

// wrk against the UI, in the background, until destroyed: 2 threads, 200 connections, the
// requests spread over the JSON API, the Streaming page and /metrics by a Lua script.
struct Load {
  pid_t pid = -1;
  std::string script = "/tmp/ember_ui_bench_wrk.lua";
  explicit Load(const std::string& url) {
    if (FILE* f = std::fopen(script.c_str(), "w")) {
      std::fputs(
          "local paths = {'/api/v1/applications', '/streaming/', '/metrics'}\n"
          "local i = 0\n"
          "request = function() i = i + 1; return wrk.format('GET', paths[i % 3 + 1]) end\n",
          f);
      std::fclose(f);
    } else {
      ember::bench::failRun(kProgram, "cannot write " + script);
    }
    std::vector<std::string> args = {"wrk", "-t2", "-c200", "-d3600s", "--timeout",
                                     "10s", "-s",  script,  url};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, "wrk", &actions, nullptr, argv.data(), environ) != 0) {
      ember::bench::failRun(kProgram, "cannot run wrk (Debian package wrk)");
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Load() {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
};

std::unique_ptr<Load> startLoad(const Options& o, ember::StreamingContext& ssc) {
  if (!o.wrk || !ssc.uiWebUrl()) return nullptr;
  return std::make_unique<Load>(*ssc.uiWebUrl());
}

// With `listener` (and the UI off), a listener that does nothing: what the listener bus alone
// costs a batch.
double emptyBatchMedianUs(const Options& o, bool ui, bool load, bool listener = false) {
  ember::StreamingContext ssc(conf(o, ui), ember::Milliseconds(kBatchMs));
  if (listener) ssc.addStreamingListener(std::make_shared<ember::StreamingListener>());
  auto queue = std::make_shared<ember::RddQueue<int>>();
  std::int64_t counted = 0;
  ssc.queueStream(queue).foreachRDD([&](const ember::Rdd<int>& rdd) { counted += rdd.count(); });
  ssc.start();
  for (int k = 1; k <= 100; ++k) advance(ssc, k);  // warm-up
  auto wrk = load ? startLoad(o, ssc) : nullptr;
  std::vector<double> us;
  for (int k = 101; k <= 100 + o.batches; ++k) {
    auto t0 = SteadyClock::now();
    advance(ssc, k);
    us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
  }
  ssc.stop();
  if (counted != 0) ember::bench::failRun(kProgram, "empty batches counted records");
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

double wordCountRecordsPerSecond(const Options& o, bool ui, bool load) {
  ember::StreamingContext ssc(conf(o, ui), ember::Milliseconds(kBatchMs));
  std::vector<std::string> lines;
  for (int i = 0; i < o.lines; ++i) {
    std::string line;
    for (int w = 0; w < 10; ++w) {
      if (w > 0) line += ' ';
      line += "w" + std::to_string((i * 10 + w) % 1000);
    }
    lines.push_back(line);
  }
  auto queue = std::make_shared<ember::RddQueue<std::string>>();
  const int total = 10 + o.wc_batches;
  for (int k = 0; k < total; ++k) queue->push(ssc.sparkContext().parallelize(lines, 4));
  std::int64_t distinct = 0;
  ssc.queueStream(queue)
      .flatMap([](const std::string& l) { return ember::split(l, ' '); })
      .map([](std::string w) {
        return std::pair{std::move(w), 1};
      })
      .reduceByKey(std::plus<>{})
      .foreachRDD(
          [&](const ember::Rdd<std::pair<std::string, int>>& rdd) { distinct += rdd.count(); });
  ssc.start();
  for (int k = 1; k <= 10; ++k) advance(ssc, k);
  auto wrk = load ? startLoad(o, ssc) : nullptr;
  auto t0 = SteadyClock::now();
  for (int k = 11; k <= total; ++k) advance(ssc, k);
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  ssc.stop();
  if (distinct != static_cast<std::int64_t>(total) * 1000) {
    ember::bench::failRun(kProgram, "word count found " + std::to_string(distinct) +
                                        " distinct words over the batches, expected " +
                                        std::to_string(total * 1000));
  }
  return static_cast<double>(o.wc_batches) * o.lines * 10 / seconds;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (auto v = ember::bench::optionValue(arg, "batches")) {
      o.batches = std::stoi(*v);
    } else if (auto v = ember::bench::optionValue(arg, "wc-batches")) {
      o.wc_batches = std::stoi(*v);
    } else if (auto v = ember::bench::optionValue(arg, "lines")) {
      o.lines = std::stoi(*v);
    } else if (auto v = ember::bench::optionValue(arg, "rounds")) {
      o.rounds = std::stoi(*v);
    } else if (auto v = ember::bench::optionValue(arg, "master")) {
      o.master = *v;
    } else if (arg == "--wrk") {
      o.wrk = true;
    } else {
      ember::bench::failRun(kProgram, "unknown argument " + std::string(arg));
    }
  }
  if (o.batches < 1 || o.wc_batches < 1 || o.lines < 1 || o.rounds < 1) {
    ember::bench::failRun(kProgram, "counts must be positive");
  }
  return o;
}

double best(std::vector<double> v, bool highest) {
  return highest ? *std::max_element(v.begin(), v.end()) : *std::min_element(v.begin(), v.end());
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<double> empty_off, empty_bus, empty_on, empty_load, wc_off, wc_on, wc_load;
  for (int r = 0; r < o.rounds; ++r) {
    empty_off.push_back(emptyBatchMedianUs(o, false, false));
    empty_bus.push_back(emptyBatchMedianUs(o, false, false, true));
    empty_on.push_back(emptyBatchMedianUs(o, true, false));
    if (o.wrk) empty_load.push_back(emptyBatchMedianUs(o, true, true));
    wc_off.push_back(wordCountRecordsPerSecond(o, false, false));
    wc_on.push_back(wordCountRecordsPerSecond(o, true, false));
    if (o.wrk) wc_load.push_back(wordCountRecordsPerSecond(o, true, true));
  }
  std::printf("master %s, %d rounds (best of each shown), UI off / on%s\n", o.master.c_str(),
              o.rounds, o.wrk ? " / on under wrk -c200" : "");
  std::printf("empty batch median (us):   off %8.1f   on %8.1f   on/off %.3f\n",
              best(empty_off, false), best(empty_on, false),
              best(empty_on, false) / best(empty_off, false));
  std::printf("  of which the listener bus (UI off, a listener that does nothing): %.1f us\n",
              best(empty_bus, false));
  std::printf("word count (records/s):    off %10.0f   on %10.0f   on/off %.3f\n",
              best(wc_off, true), best(wc_on, true), best(wc_on, true) / best(wc_off, true));
  if (o.wrk) {
    std::printf(
        "under load: empty batch median %.1f us (x%.3f of on), word count %.0f rec/s "
        "(x%.3f of on)\n",
        best(empty_load, false), best(empty_load, false) / best(empty_on, false),
        best(wc_load, true), best(wc_load, true) / best(wc_on, true));
  }
  return 0;
}
