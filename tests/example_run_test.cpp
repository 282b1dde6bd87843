// The example programs, run as processes: what they print is checked against the data they were
// given. Synchronisation is by blocking reads of their output and accept() on a test server.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using Counts = std::map<std::string, long>;

#ifdef NETWORK_WORDCOUNT_BIN
constexpr bool kHaveExamples = true;
#else
constexpr bool kHaveExamples = false;
#define NETWORK_WORDCOUNT_BIN ""
#define QUEUE_STREAM_BIN ""
#define FILE_WORDCOUNT_BIN ""
#define WINDOWED_WORDCOUNT_BIN ""
#define STATEFUL_NETWORK_WORDCOUNT_BIN ""
#define MAP_WITH_STATE_SESSIONS_BIN ""
#define RECOVERABLE_NETWORK_WORDCOUNT_BIN ""
#define EXACTLY_ONCE_SQLITE_BIN ""
#define CUSTOM_RECEIVER_BIN ""
#endif

constexpr const char* kDashes = "-------------------------------------------";

/// A running program whose standard output is read line by line.
class Process {
 public:
  explicit Process(const std::string& command) : pipe_(::popen(command.c_str(), "r")) {
    EXPECT_NE(pipe_, nullptr) << command;
  }
  ~Process() {
    if (pipe_ != nullptr) ::pclose(pipe_);
  }
  /// The next line without its newline; false at the end of the output.
  bool readLine(std::string& line) {
    line.clear();
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe_) != nullptr) {
      line += buffer;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        return true;
      }
    }
    return !line.empty();
  }
  /// Everything until the end, then the exit status.
  int finish(std::vector<std::string>& lines) {
    std::string line;
    while (readLine(line)) lines.push_back(line);
    int status = ::pclose(pipe_);
    pipe_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  FILE* pipe_;
};

/// One print() block: its time line and its records.
struct Block {
  std::string time;
  std::vector<std::string> records;
};

/// The print() blocks of an output: dashes, "Time: ...", dashes, records, an empty line.
std::vector<Block> parseBlocks(const std::vector<std::string>& lines) {
  std::vector<Block> blocks;
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) {
    if (lines[i] != kDashes || lines[i + 1].rfind("Time: ", 0) != 0 || lines[i + 2] != kDashes) {
      continue;
    }
    Block block{lines[i + 1], {}};
    std::size_t j = i + 3;
    for (; j < lines.size() && !lines[j].empty(); ++j) block.records.push_back(lines[j]);
    EXPECT_LT(j, lines.size()) << "a block must end with an empty line";
    blocks.push_back(std::move(block));
    i = j;
  }
  return blocks;
}

/// "(word,N)" records of a block as a map; fails the test on anything else.
Counts countsOf(const Block& block) {
  Counts counts;
  for (const auto& r : block.records) {
    auto comma = r.rfind(',');
    bool ok = r.size() >= 4 && r.front() == '(' && r.back() == ')' && comma != std::string::npos;
    EXPECT_TRUE(ok) << "not a (word,N) record: " << r;
    if (!ok) continue;
    std::string word = r.substr(1, comma - 1);
    EXPECT_EQ(counts.count(word), 0u) << "word twice in one batch: " << word;
    counts[word] = std::stol(r.substr(comma + 1, r.size() - comma - 2));
  }
  return counts;
}

Counts sum(const std::vector<Block>& blocks) {
  Counts total;
  for (const auto& b : blocks) {
    for (const auto& [w, n] : countsOf(b)) total[w] += n;
  }
  return total;
}

/// Runs an example over the embedded line source ("to be or not to be", "hello world",
/// "hello ember", whole lines only) and checks that every printed block counts whole lines:
/// a batch, a window and a running total are all sums of them. Returns the blocks.
std::vector<Block> expectWholeSentences(const std::string& command) {
  Process p(command + " 2>/dev/null");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 0);
  auto blocks = parseBlocks(lines);
  EXPECT_FALSE(blocks.empty());
  int with_data = 0;
  for (const auto& block : blocks) {
    auto c = countsOf(block);
    with_data += !c.empty();
    for (const auto& [w, n] : c) {
      EXPECT_TRUE(
          (std::set<std::string>{"to", "be", "or", "not", "hello", "world", "ember"}.count(w)))
          << w;
    }
    EXPECT_EQ(c["to"], 2 * c["or"]) << block.time;
    EXPECT_EQ(c["be"], 2 * c["not"]) << block.time;
    EXPECT_EQ(c["or"], c["not"]) << block.time;
    EXPECT_EQ(c["hello"], c["world"] + c["ember"]) << block.time;
  }
  EXPECT_GE(with_data, 1);
  return blocks;
}

class TestServer {
 public:
  TestServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~TestServer() {
    if (client_ >= 0) ::close(client_);
    ::close(fd_);
  }
  int port() const { return port_; }
  /// Waits for the program to connect (at most 30 s, then fails the test), then sends `data`.
  void acceptAndSend(const std::string& data) {
    if (client_ >= 0) ::close(client_);
    client_ = -1;
    pollfd p{fd_, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 30'000), 1) << "the program did not connect within 30 s";
    client_ = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(client_, 0);
    ASSERT_EQ(::send(client_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  /// Ends the connection: the program sees the end of the stream.
  void closeClient() {
    ::close(client_);
    client_ = -1;
  }

 private:
  int fd_ = -1;
  int client_ = -1;
  int port_ = 0;
};

#define SKIP_WITHOUT_EXAMPLES() \
  if (!kHaveExamples) GTEST_SKIP() << "examples not built (EMBER_BUILD_EXAMPLES=OFF)"

TEST(NetworkWordCount, EmbeddedSourceGivesConsistentCountsEveryBatch) {
  SKIP_WITHOUT_EXAMPLES();
  expectWholeSentences(std::string(NETWORK_WORDCOUNT_BIN) + " --seconds 3");
}

TEST(NetworkWordCount, CountsTheLinesOfAServer) {
  SKIP_WITHOUT_EXAMPLES();
  TestServer server;
  Process p(std::string(NETWORK_WORDCOUNT_BIN) + " 127.0.0.1 " + std::to_string(server.port()) +
            " --seconds 3 2>/dev/null");
  server.acceptAndSend("apple banana apple\r\nbanana cherry\n\napple  \n");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto blocks = parseBlocks(lines);
  EXPECT_GE(blocks.size(), 2u);  // one per second, empty ones too
  // The empty line is one empty word; "apple  " drops its trailing empty words (Java's split).
  EXPECT_EQ(sum(blocks), (Counts{{"", 1}, {"apple", 3}, {"banana", 2}, {"cherry", 1}}));
}

TEST(NetworkWordCount, BadArgumentsPrintTheUsageAndExit2) {
  SKIP_WITHOUT_EXAMPLES();
  struct Case {
    std::string args;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {"localhost 70000", "port 70000 is outside 1-65535"},
           {"localhost 0", "port 0 is outside 1-65535"},
           {"localhost ninety", "PORT must be a number"},
           {"localhost", "expected HOST PORT or nothing"},
           {"--seconds", "--seconds needs a value"},
           {"--seconds -3", "--seconds must be a positive"},
           {"--verbose", "unknown option --verbose"},
       }) {
    Process p(std::string(NETWORK_WORDCOUNT_BIN) + " " + c.args + " 2>&1");
    std::vector<std::string> lines;
    EXPECT_EQ(p.finish(lines), 2) << c.args;
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    EXPECT_THAT(all, HasSubstr(c.message)) << c.args;
    EXPECT_THAT(all, HasSubstr("usage: network_wordcount [HOST PORT] [--seconds N]")) << c.args;
  }
}

TEST(QueueStreamExample, EveryBatchWithDataCountsAHundredPerDigit) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(QUEUE_STREAM_BIN) + " --seconds 2 2>/dev/null");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  int with_data = 0;
  for (const auto& block : parseBlocks(lines)) {
    if (block.records.empty()) continue;
    ++with_data;
    auto c = countsOf(block);
    EXPECT_EQ(c, (Counts{{"0", 100},
                         {"1", 100},
                         {"2", 100},
                         {"3", 100},
                         {"4", 100},
                         {"5", 100},
                         {"6", 100},
                         {"7", 100},
                         {"8", 100},
                         {"9", 100}}))
        << block.time;
  }
  EXPECT_GE(with_data, 1);
}

TEST(FileWordCount, CountsTheWordsOfAFileMovedIn) {
  SKIP_WITHOUT_EXAMPLES();
  std::string pattern =
      (fs::temp_directory_path() / ("ember_file_wordcount_" + std::string(6, 'X'))).string();
  fs::path root = ::mkdtemp(pattern.data());
  fs::create_directory(root / "in");
  { std::ofstream(root / "in" / "before.txt") << "present before start\n"; }
  Process p(std::string(FILE_WORDCOUNT_BIN) + " " + (root / "in").string() +
            " --seconds 7 2>/dev/null");
  // The first batch header means the stream runs; a file moved in now is new.
  std::vector<std::string> lines;
  std::string line;
  while (p.readLine(line)) {
    lines.push_back(line);
    if (line.rfind("Time: ", 0) == 0) break;
  }
  ASSERT_FALSE(lines.empty()) << "file_wordcount printed nothing";
  { std::ofstream(root / "words.txt") << "one two two\nthree three three\n"; }
  fs::rename(root / "words.txt", root / "in" / "words.txt");
  std::vector<std::string> rest;
  ASSERT_EQ(p.finish(rest), 0);
  lines.insert(lines.end(), rest.begin(), rest.end());
  EXPECT_EQ(sum(parseBlocks(lines)), (Counts{{"one", 1}, {"two", 2}, {"three", 3}}));
  fs::remove_all(root);
}

TEST(FileWordCount, NeedsADirectory) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(FILE_WORDCOUNT_BIN) + " 2>&1");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 2);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("expected one directory"));
  EXPECT_THAT(lines[1], HasSubstr("usage: file_wordcount DIR [--seconds N]"));
}

TEST(WindowedWordCount, EmbeddedSourceGivesConsistentWindowCounts) {
  SKIP_WITHOUT_EXAMPLES();
  expectWholeSentences(std::string(WINDOWED_WORDCOUNT_BIN) + " --window 2 --slide 1 --seconds 4");
}

TEST(WindowedWordCount, WordsLeaveTheWindowAfterItsLength) {
  SKIP_WITHOUT_EXAMPLES();
  TestServer server;
  Process p(std::string(WINDOWED_WORDCOUNT_BIN) + " 127.0.0.1 " + std::to_string(server.port()) +
            " --window 2 --slide 1 --seconds 5 2>/dev/null");
  server.acceptAndSend("apple banana apple\n");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto blocks = parseBlocks(lines);
  ASSERT_GE(blocks.size(), 4u);
  int windows_with_the_line = 0;
  for (const auto& block : blocks) {
    auto c = countsOf(block);
    if (c.empty()) continue;
    EXPECT_EQ(c, (Counts{{"apple", 2}, {"banana", 1}})) << block.time;
    ++windows_with_the_line;
  }
  // The line is in one batch, so in the two windows of two batches that contain it; then its
  // words fall to zero and the filter drops them.
  EXPECT_EQ(windows_with_the_line, 2);
  EXPECT_TRUE(blocks.back().records.empty());
}

TEST(WindowedWordCount, ANonPositiveWindowIsRefused) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(WINDOWED_WORDCOUNT_BIN) + " --window 0 2>&1");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 2);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.front(), HasSubstr("--window needs a positive whole number"));
}

/// Every word's count is at least what the block before showed.
void expectRunningTotals(const std::vector<Block>& blocks) {
  Counts previous;
  for (const auto& block : blocks) {
    auto c = countsOf(block);
    for (const auto& [w, n] : previous) EXPECT_GE(c[w], n) << w << " at " << block.time;
    previous = c;
  }
}

TEST(StatefulNetworkWordCount, EmbeddedSourceGivesRunningTotals) {
  SKIP_WITHOUT_EXAMPLES();
  expectRunningTotals(
      expectWholeSentences(std::string(STATEFUL_NETWORK_WORDCOUNT_BIN) + " --seconds 3"));
}

TEST(StatefulNetworkWordCount, TotalsStayAfterTheServerFallsSilent) {
  SKIP_WITHOUT_EXAMPLES();
  TestServer server;
  Process p(std::string(STATEFUL_NETWORK_WORDCOUNT_BIN) + " 127.0.0.1 " +
            std::to_string(server.port()) + " --seconds 5 2>/dev/null");
  server.acceptAndSend("apple banana apple\nbanana cherry\n");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto blocks = parseBlocks(lines);
  ASSERT_FALSE(blocks.empty());
  expectRunningTotals(blocks);
  const Counts totals{{"apple", 2}, {"banana", 2}, {"cherry", 1}};
  int with_totals = 0;
  for (const auto& block : blocks) with_totals += countsOf(block) == totals;
  // The lines arrive in the first batch or two; every later batch shows the same state.
  EXPECT_EQ(countsOf(blocks.back()), totals);
  EXPECT_GE(with_totals, 2);
}

TEST(StatefulNetworkWordCount, BadArgumentsPrintTheUsageAndExit2) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(STATEFUL_NETWORK_WORDCOUNT_BIN) + " localhost 2>&1");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 2);
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  EXPECT_THAT(all, HasSubstr("expected HOST PORT or nothing"));
  EXPECT_THAT(all, HasSubstr("usage: stateful_network_wordcount [HOST PORT] [--seconds N]"));
}

/// The records of all blocks, in order.
std::vector<std::string> recordsOf(const std::vector<Block>& blocks) {
  std::vector<std::string> out;
  for (const auto& b : blocks) out.insert(out.end(), b.records.begin(), b.records.end());
  return out;
}

bool contains(const std::vector<std::string>& records, const std::string& record) {
  return std::find(records.begin(), records.end(), record) != records.end();
}

TEST(MapWithStateSessions, EmbeddedSessionsStartEndByLogoutAndTimeOut) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(MAP_WITH_STATE_SESSIONS_BIN) + " --seconds 8 2>/dev/null");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto records = recordsOf(parseBlocks(lines));
  ASSERT_FALSE(records.empty());
  const std::regex form(
      "(alice|bob|carol): (session started \\((login|click)\\)|[0-9]+ events \\((click|login)\\)|"
      "session ended by logout after [0-9]+ events?|session timed out after [0-9]+ events?)");
  for (const auto& r : records) EXPECT_TRUE(std::regex_match(r, form)) << r;
  // Every 6 s alice logs in, clicks and logs out; bob logs in, clicks and is idle for longer
  // than the 2 s timeout (his session ends 3 batches after his last event); carol clicks every
  // half second.
  EXPECT_TRUE(contains(records, "alice: session ended by logout after 3 events"));
  EXPECT_TRUE(contains(records, "bob: session timed out after 2 events"));
  EXPECT_TRUE(contains(records, "carol: session started (click)"));
  for (const auto& r : records) {
    EXPECT_EQ(r.rfind("carol: session timed out", 0), std::string::npos) << r;
  }
}

TEST(MapWithStateSessions, SessionsOfTheLinesOfAServer) {
  SKIP_WITHOUT_EXAMPLES();
  TestServer server;
  Process p(std::string(MAP_WITH_STATE_SESSIONS_BIN) + " 127.0.0.1 " +
            std::to_string(server.port()) + " --timeout 1 --seconds 5 2>/dev/null");
  server.acceptAndSend("dave login\ndave click\nerin login\n\ndave logout\n");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto records = recordsOf(parseBlocks(lines));
  std::sort(records.begin(), records.end());
  // erin stays idle: with a 1 s timeout her session ends two batches after her login.
  EXPECT_EQ(records, (std::vector<std::string>{
                         "dave: 2 events (click)", "dave: session ended by logout after 3 events",
                         "dave: session started (login)", "erin: session started (login)",
                         "erin: session timed out after 1 event"}));
}

TEST(MapWithStateSessions, BadArgumentsPrintTheUsageAndExit2) {
  SKIP_WITHOUT_EXAMPLES();
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"localhost", "expected HOST PORT or nothing"},
           {"--timeout 0", "--timeout needs a positive whole number"},
           {"--timeout", "--timeout needs a positive whole number"}}) {
    Process p(std::string(MAP_WITH_STATE_SESSIONS_BIN) + " " + args + " 2>&1");
    std::vector<std::string> lines;
    EXPECT_EQ(p.finish(lines), 2) << args;
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    EXPECT_THAT(all, HasSubstr(message)) << args;
    EXPECT_THAT(all, HasSubstr("usage: map_with_state_sessions [HOST PORT] [--timeout T]")) << args;
  }
}

/// The count of `word` in each "Counts at time ..." line of recoverable_network_wordcount.
std::vector<long> countsOfWord(const std::vector<std::string>& lines, const std::string& word) {
  std::vector<long> counts;
  std::regex pattern("\\(" + word + ",([0-9]+)\\)");
  for (const auto& line : lines) {
    if (line.rfind("Counts at time ", 0) != 0) continue;
    std::smatch match;
    counts.push_back(std::regex_search(line, match, pattern) ? std::stol(match[1]) : 0);
  }
  return counts;
}

TEST(RecoverableNetworkWordCount, ASecondRunGoesOnFromTheCheckpoint) {
  SKIP_WITHOUT_EXAMPLES();
  std::string pattern =
      (fs::temp_directory_path() / ("ember_recoverable_" + std::string(6, 'X'))).string();
  fs::path root = ::mkdtemp(pattern.data());
  std::string command = std::string(RECOVERABLE_NETWORK_WORDCOUNT_BIN) + " " +
                        (root / "ckpt").string() + " " + (root / "out.txt").string() +
                        " --seconds 3 2>/dev/null";
  std::vector<std::string> first;
  ASSERT_EQ(Process(command).finish(first), 0);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front(), "Creating new context");
  std::vector<long> before = countsOfWord(first, "dog");
  ASSERT_FALSE(before.empty());
  ASSERT_GT(before.back(), 0);

  std::vector<std::string> second;
  ASSERT_EQ(Process(command).finish(second), 0);
  EXPECT_EQ(second.front(), "Recovering from checkpoint");
  std::vector<long> after = countsOfWord(second, "dog");
  ASSERT_FALSE(after.empty());
  // The running count starts where the first run left it, and grows.
  EXPECT_GE(after.front(), before.back());
  EXPECT_GT(after.back(), before.back());
  // Words on the exclude list never reach the counts.
  EXPECT_THAT(countsOfWord(second, "a"), ::testing::Each(0));
  fs::remove_all(root);
}

// ---- --help ------------------------------------------------------------------------------------

TEST(ExampleHelp, EveryExamplePrintsItsUsageAndExits0) {
  SKIP_WITHOUT_EXAMPLES();
  struct Case {
    std::string binary;
    std::string usage;
  };
  for (const auto& c : std::vector<Case>{
           {NETWORK_WORDCOUNT_BIN, "usage: network_wordcount [HOST PORT] [--seconds N]"},
           {QUEUE_STREAM_BIN, "usage: queue_stream [--seconds N]"},
           {FILE_WORDCOUNT_BIN, "usage: file_wordcount DIR [--seconds N]"},
           {WINDOWED_WORDCOUNT_BIN, "usage: windowed_wordcount [HOST PORT] [--window W]"},
           {STATEFUL_NETWORK_WORDCOUNT_BIN, "usage: stateful_network_wordcount [HOST PORT]"},
           {MAP_WITH_STATE_SESSIONS_BIN,
            "usage: map_with_state_sessions [HOST PORT] [--timeout T]"},
           {EXACTLY_ONCE_SQLITE_BIN, "usage: exactly_once_sqlite [DATABASE [DIR]]"},
           {RECOVERABLE_NETWORK_WORDCOUNT_BIN,
            "usage: recoverable_network_wordcount [HOST PORT] CHECKPOINT_DIR OUTPUT_FILE"},
       }) {
    // -h as well, and --help wins over arguments that would be wrong on their own.
    for (const std::string args : {"--help", "-h", "--seconds -1 --help"}) {
      Process p(c.binary + " " + args + " 2>/dev/null");  // the usage goes to standard output
      std::vector<std::string> lines;
      EXPECT_EQ(p.finish(lines), 0) << c.binary << " " << args;
      ASSERT_FALSE(lines.empty()) << c.binary << " " << args;
      EXPECT_THAT(lines.front(), HasSubstr(c.usage)) << c.binary << " " << args;
      for (const auto& line : lines) EXPECT_THAT(line, Not(HasSubstr("unknown option")));
    }
  }
}

// ---- exactly_once_sqlite ---------------------------------------------------------------------

/// The word_counts and commits tables of a database, read through SQLite's C API.
struct Tables {
  Counts counts;
  std::set<std::pair<long, long>> commits;  // (batch time, partition)
};

Tables readTables(const fs::path& db_path) {
  Tables tables;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto query = [db](const char* sql, auto row) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (sqlite3_step(stmt) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
  };
  query("SELECT word, count FROM word_counts", [&](sqlite3_stmt* s) {
    tables.counts[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] =
        sqlite3_column_int64(s, 1);
  });
  query("SELECT batch_time, partition FROM commits", [&](sqlite3_stmt* s) {
    tables.commits.emplace(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
  });
  sqlite3_close(db);
  return tables;
}

/// Runs the example and returns its standard output; expects exit status 0.
std::vector<std::string> runExactlyOnce(const std::string& args) {
  Process p(std::string(EXACTLY_ONCE_SQLITE_BIN) + " " + args + " 2>/dev/null");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 0) << args;
  return lines;
}

int countLines(const std::vector<std::string>& lines, const std::string& part) {
  return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.find(part) != std::string::npos;
  }));
}

TEST(ExactlyOnceSqlite, ASecondRunOverTheSameInputLeavesTheTableUnchanged) {
  SKIP_WITHOUT_EXAMPLES();
  std::string pattern =
      (fs::temp_directory_path() / ("ember_exactly_once_" + std::string(6, 'X'))).string();
  fs::path root = ::mkdtemp(pattern.data());
  const fs::path db = root / "counts.db";
  // The embedded input: three files, one per batch, two reduce partitions each.
  const Counts expected{{"be", 5},       {"do", 4},   {"is", 2},  {"not", 1}, {"or", 1},
                        {"question", 1}, {"that", 1}, {"the", 1}, {"to", 4}};

  auto first = runExactlyOnce(db.string());
  EXPECT_EQ(countLines(first, ": committed "), 6);
  EXPECT_EQ(countLines(first, "already committed"), 0);
  Tables after_first = readTables(db);
  EXPECT_EQ(after_first.counts, expected);
  ASSERT_EQ(after_first.commits.size(), 6u);
  std::set<long> partitions;
  for (const auto& [time, partition] : after_first.commits) partitions.insert(partition);
  EXPECT_EQ(partitions, (std::set<long>{0, 1}));
  // The table is printed at the end, "word count" per line.
  EXPECT_TRUE(contains(first, "be 5")) << "no table in the output";

  auto second = runExactlyOnce(db.string());
  EXPECT_EQ(countLines(second, ": committed "), 0);
  EXPECT_EQ(countLines(second, "already committed, skipped"), 6);
  Tables after_second = readTables(db);
  EXPECT_EQ(after_second.counts, expected);
  EXPECT_EQ(after_second.commits, after_first.commits);
  fs::remove_all(root);
}

TEST(ExactlyOnceSqlite, ReplaysADirectoryAndAddsOnlyNewBatches) {
  SKIP_WITHOUT_EXAMPLES();
  std::string pattern =
      (fs::temp_directory_path() / ("ember_exactly_once_" + std::string(6, 'X'))).string();
  fs::path root = ::mkdtemp(pattern.data());
  fs::create_directory(root / "in");
  const fs::path db = root / "counts.db";
  auto write = [&](const std::string& name, const std::string& text, std::int64_t ms) {
    std::ofstream(root / "in" / name) << text;
    timespec times[2];
    times[0] = times[1] = timespec{static_cast<time_t>(ms / 1000), (ms % 1000) * 1'000'000};
    ASSERT_EQ(::utimensat(AT_FDCWD, (root / "in" / name).c_str(), times, 0), 0);
  };
  write("a.txt", "x y\n", 1'000'500);
  runExactlyOnce(db.string() + " " + (root / "in").string());
  EXPECT_EQ(readTables(db).counts, (Counts{{"x", 1}, {"y", 1}}));
  // A later file adds a batch; the batch of a.txt runs again and is skipped.
  write("b.txt", "y z\n", 1'002'500);
  auto lines = runExactlyOnce(db.string() + " " + (root / "in").string());
  EXPECT_EQ(countLines(lines, "batch 1001000 partition"), 2);
  EXPECT_EQ(countLines(lines, "batch 1001000 partition 0: already committed"), 1);
  EXPECT_EQ(readTables(db).counts, (Counts{{"x", 1}, {"y", 2}, {"z", 1}}));
  fs::remove_all(root);
}

TEST(ExactlyOnceSqlite, BadArgumentsPrintTheUsageAndExit2) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(EXACTLY_ONCE_SQLITE_BIN) + " a b c 2>&1");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 2);
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  EXPECT_THAT(all, HasSubstr("expected at most DATABASE and DIR"));
  EXPECT_THAT(all, HasSubstr("usage: exactly_once_sqlite [DATABASE [DIR]]"));
}

TEST(CustomReceiverExample, EmbeddedSourceGivesConsistentCountsEveryBatch) {
  SKIP_WITHOUT_EXAMPLES();
  expectWholeSentences(std::string(CUSTOM_RECEIVER_BIN) + " --seconds 3");
}

TEST(CustomReceiverExample, ReconnectsWhenTheServerClosesTheConnection) {
  SKIP_WITHOUT_EXAMPLES();
  TestServer server;
  Process p(std::string(CUSTOM_RECEIVER_BIN) + " 127.0.0.1 " + std::to_string(server.port()) +
            " --seconds 4 2>/dev/null");
  server.acceptAndSend("apple banana apple\r\nbanana cherry\nlast");
  server.closeClient();  // end of stream: restart("Trying to connect again")
  server.acceptAndSend("cherry\n");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  EXPECT_EQ(sum(parseBlocks(lines)),
            (Counts{{"apple", 2}, {"banana", 2}, {"cherry", 2}, {"last", 1}}));
}

TEST(CustomReceiverExample, HelpPrintsTheUsageAndExits0) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(CUSTOM_RECEIVER_BIN) + " --help 2>/dev/null");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 0);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.front(), HasSubstr("usage: custom_receiver [HOST PORT] [--seconds N]"));
}

TEST(CustomReceiverExample, BadArgumentsPrintTheUsageAndExit2) {
  SKIP_WITHOUT_EXAMPLES();
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"localhost 70000", "port 70000 is outside 1-65535"},
           {"localhost", "expected HOST PORT or nothing"},
           {"--verbose", "unknown option --verbose"}}) {
    Process p(std::string(CUSTOM_RECEIVER_BIN) + " " + args + " 2>&1");
    std::vector<std::string> lines;
    EXPECT_EQ(p.finish(lines), 2) << args;
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    EXPECT_THAT(all, HasSubstr(message)) << args;
    EXPECT_THAT(all, HasSubstr("usage: custom_receiver")) << args;
  }
}

}  // namespace
