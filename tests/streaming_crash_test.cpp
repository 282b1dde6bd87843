// Crashes of a real process: crash_wordcount (tests/programs/) runs the guide's stateful word
// count over a directory of files with a checkpoint directory, and is killed with SIGKILL at
// seeded random moments, some of them inside the write of a checkpoint file, while the test keeps
// adding files. After the last restart its counts must be exactly the counts of every word of
// every file: no file lost, none counted twice.
//
// EMBER_CRASH_ROUNDS (default 20) sets the number of kills, EMBER_CRASH_SEED the seed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using ember_test::TempDir;
using Counts = std::map<std::string, long>;
using Clock = std::chrono::steady_clock;

int envInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

/// A running crash_wordcount.
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
  /// SIGKILL (if still running) and reap. Returns whether it was still running.
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

/// The counts the program last wrote; empty when it wrote none yet. `header` gets the first line
/// (the batch time, and "v2" from the second version).
Counts readCounts(const fs::path& output, std::string* header = nullptr) {
  Counts counts;
  std::ifstream in(output);
  std::string line;
  std::getline(in, line);
  if (header != nullptr) *header = line;
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

/// A file's modification time in ms, as a file stream reads it.
std::int64_t mtimeMs(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

/// Returns once a file written in `directory` gets a modification time later than the wall clock
/// read on entry; false after 5 s. The kernel stamps files from a clock that lags the wall clock
/// by up to a tick, so a file written just after a stream started can look older than its start
/// time, and a file stream rightly ignores such a file. After this, every file written is newer.
bool awaitMtimesAfterNow(const fs::path& directory) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const fs::path probe = directory / "mtime-probe";
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    { std::ofstream(probe) << "x"; }
    if (mtimeMs(probe) > now_ms) {
      fs::remove(probe);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling, with a deadline
  }
  return false;
}

/// When the test has failed, copies the test's directory (checkpoints, inputs, outputs, the log
/// of files written) to $EMBER_TEST_ARTIFACTS, or to the working directory, before it is removed.
class KeepOnFailure {
 public:
  KeepOnFailure(const fs::path& dir, std::string name) : dir_(dir), name_(std::move(name)) {}
  ~KeepOnFailure() {
    if (!::testing::Test::HasFailure()) return;
    const char* root = std::getenv("EMBER_TEST_ARTIFACTS");
    fs::path target = fs::path(root != nullptr ? root : ".") / name_;
    std::error_code ec;
    fs::remove_all(target, ec);
    fs::create_directories(target.parent_path(), ec);
    fs::copy(dir_, target, fs::copy_options::recursive, ec);
    std::cerr << "the test's directory is kept in " << fs::absolute(target).string()
              << (ec ? " (copy failed: " + ec.message() + ")" : std::string()) << "\n";
  }

 private:
  fs::path dir_;
  std::string name_;
};

bool awaitFile(const fs::path& directory, const std::string& prefix, std::chrono::seconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
      if (entry.path().filename().string().starts_with(prefix)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, with a deadline
  }
  return false;
}

TEST(CrashRecovery, AStatefulWordCountOverFilesIsExactAfterRepeatedKills) {
  const int rounds = envInt("EMBER_CRASH_ROUNDS", 20);
  const auto seed = static_cast<unsigned>(envInt("EMBER_CRASH_SEED", 20261202));
  SCOPED_TRACE("EMBER_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const std::vector<std::string> vocabulary = {"alpha",   "beta", "gamma", "delta",
                                               "epsilon", "zeta", "eta",   "theta"};
  TempDir dir;
  KeepOnFailure keep(dir.path(), "crash-wordcount-" + std::to_string(seed));
  fs::create_directories(dir / "in");
  fs::create_directories(dir / "staging");
  std::ofstream written(dir / "files-written.log");  // name, words, mtime in ms, per file
  const std::vector<std::string> args = {CRASH_WORDCOUNT_BIN, (dir / "in").string(),
                                         (dir / "ckpt").string(), (dir / "out").string(), "100"};
  Counts expected;
  int files = 0;
  auto addFile = [&] {
    std::string text;
    int words = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < words; ++i) {
      const std::string& w = vocabulary[rng() % vocabulary.size()];
      text += (i % 5 == 4 ? "\n" : i > 0 ? " " : "") + w;
      ++expected[w];
    }
    fs::path staged = dir / "staging" / ("f" + std::to_string(files));
    {
      std::ofstream out(staged);
      out << text << "\n";
    }
    fs::path added = dir / "in" / ("f" + std::to_string(files));
    fs::rename(staged, added);
    written << added.filename().string() << " " << words << " " << mtimeMs(added) << std::endl;
    ++files;
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
    if (round == 0) {
      // Files older than the first start are not new to a file stream: begin once it runs.
      ASSERT_TRUE(awaitFile(dir / "ckpt", "checkpoint-", std::chrono::seconds(30)));
      ASSERT_TRUE(awaitMtimesAfterNow(dir / "staging"));
    }
    int n = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      addFile();
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
  EXPECT_EQ(show(seen), show(expected)) << files << " files, " << rounds << " kills";
}

TEST(CrashRecovery, ANewBuildWithOtherFunctionBodiesGoesOnFromTheOldOnesCheckpoint) {
  TempDir dir;
  fs::create_directories(dir / "in");
  auto args = [&](const char* binary) {
    return std::vector<std::string>{binary, (dir / "in").string(), (dir / "ckpt").string(),
                                    (dir / "out").string(), "100"};
  };
  auto addFile = [&](const std::string& name, const std::string& text) {
    { std::ofstream(dir / name) << text << "\n"; }
    fs::rename(dir / name, dir / "in" / name);
  };
  auto awaitCounts = [&](const Counts& expected, std::string* header) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    Counts seen;
    while (Clock::now() < deadline) {
      seen = readCounts(dir / "out", header);
      if (seen == expected) return seen;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, with a deadline
    }
    return seen;
  };
  std::string header;
  {
    Child v1(args(CRASH_WORDCOUNT_BIN), {});
    ASSERT_TRUE(awaitFile(dir / "ckpt", "checkpoint-", std::chrono::seconds(30)));
    ASSERT_TRUE(awaitMtimesAfterNow(dir.path()));
    addFile("one", "old old new");
    EXPECT_EQ(show(awaitCounts({{"new", 1}, {"old", 2}}, &header)), "new=1 old=2 ");
    EXPECT_THAT(header, ::testing::Not(::testing::HasSubstr("v2")));
  }  // killed
  Child v2(args(CRASH_WORDCOUNT_V2_BIN), {});
  addFile("two", "new");
  Counts expected = {{"new", 2}, {"old", 2}};
  EXPECT_EQ(show(awaitCounts(expected, &header)), show(expected));
  EXPECT_THAT(header, ::testing::HasSubstr("v2"));
}

/// A reliable source on a loopback port: it sends records "1".."total", one per line, to each
/// client, starting after the last one acknowledged; a client acknowledges by sending back the
/// last id of what it stored.
class AckingServer {
 public:
  explicit AckingServer(long total) : total_(total) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~AckingServer() {
    stopping_.store(true);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  long acked() const { return acked_.load(); }

 private:
  void run() {
    while (!stopping_.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) serve(client);  // one client at a time, as the program has one receiver
    }
  }
  void serve(int client) {
    long next = acked_.load() + 1;  // what was not acknowledged is sent again
    std::string acks;
    while (!stopping_.load()) {
      if (next <= total_) {
        std::string chunk;
        for (int i = 0; i < 20 && next <= total_; ++i) chunk += std::to_string(next++) + "\n";
        if (::send(client, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
      }
      pollfd p{client, POLLIN, 0};
      if (::poll(&p, 1, 10) > 0) {  // about 2000 records a second
        char buffer[512];
        ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        acks.append(buffer, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = acks.find('\n')) != std::string::npos) {
          long id = std::stol(acks.substr(0, nl));
          acks.erase(0, nl + 1);
          long seen = acked_.load();
          while (id > seen && !acked_.compare_exchange_weak(seen, id)) {
          }
        }
      }
    }
    ::close(client);
  }

  long total_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<long> acked_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

TEST(CrashRecovery, AReliableReceiverWithTheWriteAheadLogLosesNoAcknowledgedRecord) {
  const int rounds = envInt("EMBER_CRASH_ROUNDS", 20);
  const auto seed = static_cast<unsigned>(envInt("EMBER_CRASH_SEED", 20261202));
  SCOPED_TRACE("EMBER_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const long total = 400L * (rounds + 5);
  AckingServer server(total);
  TempDir dir;
  std::vector<std::string> args = {CRASH_RECEIVER_BIN, std::to_string(server.port()),
                                   (dir / "ckpt").string(), (dir / "out").string(), "100"};
  if (const char* no_log = std::getenv("EMBER_CRASH_NO_LOG"); no_log && *no_log == '1') {
    args.push_back("--no-log");  // to see this test fail without the log
  }
  auto progress = [&] {
    std::ifstream in(dir / "out");
    long distinct = 0;
    long run = 0;
    in >> distinct >> run;
    return std::pair{distinct, run};
  };
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::string> env;
    if (round > 0 && rng() % 3 == 0) {
      env.push_back("EMBER_CRASH_IN_CHECKPOINT_WRITE=" + std::to_string(1 + rng() % 8));
    }
    const long acked = server.acked();
    Child child(args, env);
    // Killed soon after it acknowledged something: a record then is in the log, and maybe in no
    // checkpoint yet.
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (server.acked() == acked && acked < total && Clock::now() < deadline && child.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling, with a deadline
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 150));  // a random moment
    child.kill();
  }
  const long acked_before_last = server.acked();
  EXPECT_GT(acked_before_last, 0);
  Child last(args, {});
  auto deadline = Clock::now() + std::chrono::seconds(60);
  std::pair<long, long> seen{0, 0};
  while (Clock::now() < deadline) {
    seen = progress();
    if (seen.second == total) break;
    ASSERT_TRUE(last.running()) << "the program ended at " << seen.second << " of " << total;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, with a deadline
  }
  // Every record is in the state: those acknowledged before the kills from the log, the others
  // sent again by the source. (Some may have come twice: the log gives at least once.)
  EXPECT_EQ(seen.second, total) << "acknowledged before the last start: " << acked_before_last;
  EXPECT_EQ(seen.first, total);
}

}  // namespace
