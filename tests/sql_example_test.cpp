// examples/sql_network_wordcount run as a process: every batch prints its time line and a table
// in Spark's format whose counts are those of the lines it was sent.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;
using Counts = std::map<std::string, long>;

#ifdef SQL_NETWORK_WORDCOUNT_BIN
constexpr bool kHaveExample = true;
#else
constexpr bool kHaveExample = false;
#define SQL_NETWORK_WORDCOUNT_BIN ""
#endif

#define SKIP_WITHOUT_EXAMPLE() \
  if (!kHaveExample) GTEST_SKIP() << "examples not built (EMBER_BUILD_EXAMPLES=OFF)"

/// A running program whose standard output is read to its end.
class Process {
 public:
  explicit Process(const std::string& command) : pipe_(::popen(command.c_str(), "r")) {
    EXPECT_NE(pipe_, nullptr) << command;
  }
  ~Process() {
    if (pipe_ != nullptr) ::pclose(pipe_);
  }
  /// Every line until the end, then the exit status.
  int finish(std::vector<std::string>& lines) {
    std::string line;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe_) != nullptr) {
      line += buffer;
      if (line.back() == '\n') {
        line.pop_back();
        lines.push_back(line);
        line.clear();
      }
    }
    if (!line.empty()) lines.push_back(line);
    int status = ::pclose(pipe_);
    pipe_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  FILE* pipe_;
};

/// A loopback server on a port the system chose; accept() waits at most 30 s.
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
    timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    port_ = ntohs(addr.sin_port);
  }
  ~TestServer() {
    if (client_ >= 0) ::close(client_);
    ::close(fd_);
  }
  int port() const { return port_; }
  void acceptAndSend(const std::string& data) {
    client_ = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(client_, 0) << "the example did not connect within 30 s";
    ASSERT_EQ(::send(client_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }

 private:
  int fd_ = -1;
  int client_ = -1;
  int port_ = 0;
};

/// One batch: its time line and the word counts of its table.
struct Batch {
  std::string time;
  Counts counts;
};

/// The batches of an output, checking each table's shape: a border, "|word|total|" with both
/// names right-aligned to the column widths, the rows right-aligned, a border, an empty line.
std::vector<Batch> parseBatches(const std::vector<std::string>& lines) {
  static const std::regex time_line("========= [0-9]+ ms =========");
  static const std::regex border(R"(\+(-+)\+(-+)\+)");
  std::vector<Batch> batches;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!std::regex_match(lines[i], time_line)) continue;
    Batch batch{lines[i], {}};
    std::smatch m;
    EXPECT_TRUE(i + 3 < lines.size() && std::regex_match(lines[i + 1], m, border)) << lines[i];
    if (i + 3 >= lines.size() || m.empty()) break;
    std::size_t w1 = m[1].length(), w2 = m[2].length();
    const std::string sep = lines[i + 1];
    auto right = [](const std::string& s, std::size_t w) {
      return std::string(w - s.size(), ' ') + s;
    };
    EXPECT_EQ(lines[i + 2], "|" + right("word", w1) + "|" + right("total", w2) + "|");
    EXPECT_EQ(lines[i + 3], sep);
    std::size_t j = i + 4;
    for (; j < lines.size() && lines[j] != sep; ++j) {
      const std::string& row = lines[j];
      EXPECT_EQ(row.size(), w1 + w2 + 3) << row;
      if (row.size() != w1 + w2 + 3) continue;
      std::string word = row.substr(1, w1);
      std::string total = row.substr(w1 + 2, w2);
      word.erase(0, word.find_first_not_of(' '));
      total.erase(0, total.find_first_not_of(' '));
      EXPECT_EQ(batch.counts.count(word), 0u) << "a word twice in one table: " << word;
      batch.counts[word] = std::stol(total);
    }
    EXPECT_LT(j + 1, lines.size());
    if (j + 1 < lines.size()) {
      EXPECT_EQ(lines[j + 1], "") << "show() ends with an empty line";
    }
    batches.push_back(std::move(batch));
    i = j;
  }
  return batches;
}

TEST(SqlNetworkWordCount, EmbeddedSourceGivesATableOfWholeSentencesEveryBatch) {
  SKIP_WITHOUT_EXAMPLE();
  Process p(std::string(SQL_NETWORK_WORDCOUNT_BIN) + " --seconds 3 2>/dev/null");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto batches = parseBatches(lines);
  EXPECT_GE(batches.size(), 2u);
  int with_data = 0;
  for (auto& b : batches) {
    Counts& c = b.counts;
    with_data += !c.empty();
    for (const auto& [w, n] : c) {
      EXPECT_TRUE(
          (std::set<std::string>{"to", "be", "or", "not", "hello", "world", "ember"}.count(w)))
          << w;
    }
    EXPECT_EQ(c["to"], 2 * c["or"]) << b.time;
    EXPECT_EQ(c["be"], 2 * c["not"]) << b.time;
    EXPECT_EQ(c["or"], c["not"]) << b.time;
    EXPECT_EQ(c["hello"], c["world"] + c["ember"]) << b.time;
  }
  EXPECT_GE(with_data, 1);
}

TEST(SqlNetworkWordCount, CountsTheLinesOfAServer) {
  SKIP_WITHOUT_EXAMPLE();
  TestServer server;
  Process p(std::string(SQL_NETWORK_WORDCOUNT_BIN) + " 127.0.0.1 " + std::to_string(server.port()) +
            " --seconds 3 2>/dev/null");
  server.acceptAndSend("apple banana apple\nbanana cherry\na-very-long-word-of-thirty-chars\n");
  std::vector<std::string> lines;
  ASSERT_EQ(p.finish(lines), 0);
  auto batches = parseBatches(lines);
  EXPECT_GE(batches.size(), 2u);  // one per second, empty ones too
  Counts total;
  for (const auto& b : batches) {
    for (const auto& [w, n] : b.counts) total[w] += n;
  }
  // show() cuts cells longer than 20 characters to 17 and "...".
  EXPECT_EQ(total,
            (Counts{{"a-very-long-word-...", 1}, {"apple", 2}, {"banana", 2}, {"cherry", 1}}));
}

TEST(SqlNetworkWordCount, BadArgumentsPrintTheUsageAndExit2) {
  SKIP_WITHOUT_EXAMPLE();
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"localhost 70000", "port 70000 is outside 1-65535"},
           {"localhost", "expected HOST PORT or nothing"},
           {"--seconds 0", "--seconds must be a positive"},
           {"--verbose", "unknown option --verbose"}}) {
    Process p(std::string(SQL_NETWORK_WORDCOUNT_BIN) + " " + args + " 2>&1");
    std::vector<std::string> lines;
    EXPECT_EQ(p.finish(lines), 2) << args;
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    EXPECT_THAT(all, HasSubstr(message)) << args;
    EXPECT_THAT(all, HasSubstr("usage: sql_network_wordcount [HOST PORT] [--seconds N]")) << args;
  }
  Process help(std::string(SQL_NETWORK_WORDCOUNT_BIN) + " --help");
  std::vector<std::string> lines;
  EXPECT_EQ(help.finish(lines), 0);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "usage: sql_network_wordcount [HOST PORT] [--seconds N]");
}

}  // namespace
