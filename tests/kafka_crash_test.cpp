// Crashes of a real process with Kafka as the source: kafka_crash_wordcount (tests/programs/)
// runs the guide's stateful word count over a direct stream with a checkpoint directory, reading
// a topic of librdkafka's mock cluster that this test runs (so the cluster outlives every kill).
// It is killed with SIGKILL at seeded random moments, some inside the write of a checkpoint
// file, while the test keeps producing. After the last restart its counts must be exactly the
// counts of every word produced: no record lost, none counted twice.
//
// EMBER_CRASH_ROUNDS (default 20) sets the number of kills, EMBER_CRASH_SEED the seed.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka_test_support.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Counts = std::map<std::string, long>;
using Clock = std::chrono::steady_clock;

int envInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      if (!std::string(*e).starts_with("EMBER_CRASH_IN_CHECKPOINT_WRITE=")) {
        env_strings.emplace_back(*e);
      }
    }
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), envp.data());
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << args[0] << ": " << std::strerror(rc);
      pid_ = -1;
    }
  }
  ~Child() { kill(); }
  bool kill() {
    if (pid_ <= 0) return false;
    int status = 0;
    bool running = ::waitpid(pid_, &status, WNOHANG) == 0;
    if (running) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    return running;
  }
  bool running() {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

Counts readCounts(const fs::path& output) {
  Counts counts;
  std::ifstream in(output);
  std::string line;
  std::getline(in, line);
  std::string word;
  long count = 0;
  while (in >> word >> count) counts[word] = count;
  return counts;
}

std::string show(const Counts& counts) {
  std::ostringstream out;
  for (const auto& [w, c] : counts) out << w << "=" << c << " ";
  return out.str();
}

TEST(KafkaCrashRecovery, AStatefulWordCountOverKafkaIsExactAfterRepeatedKills) {
  const int rounds = envInt("EMBER_CRASH_ROUNDS", 20);
  const auto seed = static_cast<unsigned>(envInt("EMBER_CRASH_SEED", 20261202));
  SCOPED_TRACE("EMBER_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const std::vector<std::string> vocabulary = {"alpha",   "beta", "gamma", "delta",
                                               "epsilon", "zeta", "eta",   "theta"};
  kafka_test::MockCluster cluster(3);
  cluster.createTopic("words", 3);
  ember_test::TempDir dir;
  const std::vector<std::string> args = {KAFKA_CRASH_WORDCOUNT_BIN, cluster.bootstraps(),   "words",
                                         (dir / "ckpt").string(),   (dir / "out").string(), "100"};
  Counts expected;
  int records = 0;
  auto produce = [&] {
    int n = 1 + static_cast<int>(rng() % 6);
    int partition = static_cast<int>(rng() % 3);
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) {
      std::string line;
      int words = 1 + static_cast<int>(rng() % 4);
      for (int j = 0; j < words; ++j) {
        const std::string& w = vocabulary[rng() % vocabulary.size()];
        line += (j > 0 ? " " : "") + w;
        ++expected[w];
      }
      lines.push_back(line);
    }
    cluster.produce("words", partition, lines);
    records += n;
  };
  auto pause = [&](int max_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % max_ms));  // a random moment
  };

  int killed_running = 0;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::string> env;
    if (round > 0 && rng() % 3 == 0) {
      env.push_back("EMBER_CRASH_IN_CHECKPOINT_WRITE=" + std::to_string(1 + rng() % 8));
    }
    Child child(args, env);
    int n = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      produce();
      pause(150);
    }
    pause(400);
    killed_running += child.kill();
  }
  EXPECT_GT(killed_running, 0);

  Child last(args, {});
  auto deadline = Clock::now() + std::chrono::seconds(60);
  Counts seen;
  while (Clock::now() < deadline) {
    seen = readCounts(dir / "out");
    if (seen == expected) break;
    ASSERT_TRUE(last.running()) << "the program ended; last counts " << show(seen);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, with a deadline
  }
  EXPECT_EQ(show(seen), show(expected)) << records << " records, " << rounds << " kills";
}

}  // namespace
