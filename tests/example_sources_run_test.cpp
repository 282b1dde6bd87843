// The source examples run as processes, each on its embedded source for a few seconds:
// zeromq_wordcount (an embedded ZeroMQ publisher), mqtt_wordcount (a mosquitto broker it starts
// and a publisher), connector_recipe_receiver (an embedded polling source). Every printed batch
// must count whole sample lines, and at least one must have data. Each example is built only
// with its layer; the tests of one that is not built are skipped.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

#ifndef ZEROMQ_WORDCOUNT_BIN
#define ZEROMQ_WORDCOUNT_BIN ""
#endif
#ifndef MQTT_WORDCOUNT_BIN
#define MQTT_WORDCOUNT_BIN ""
#endif
#ifndef CONNECTOR_RECIPE_RECEIVER_BIN
#define CONNECTOR_RECIPE_RECEIVER_BIN ""
#endif

constexpr const char* kDashes = "-------------------------------------------";

/// Runs `command` to its end; its standard output's lines and its exit status.
int run(const std::string& command, std::vector<std::string>& lines) {
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (pipe == nullptr) return -1;
  char buffer[4096];
  std::string line;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    line += buffer;
    if (line.back() == '\n') {
      line.pop_back();
      lines.push_back(line);
      line.clear();
    }
  }
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Checks that each print() block counts whole lines of "to be or not to be", "hello world",
/// "hello ember"; returns how many blocks have data.
int checkWholeSentences(const std::vector<std::string>& lines) {
  int with_data = 0;
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) {
    if (lines[i] != kDashes || lines[i + 1].rfind("Time: ", 0) != 0) continue;
    std::map<std::string, long> c;
    std::size_t j = i + 3;
    for (; j < lines.size() && !lines[j].empty(); ++j) {
      const std::string& r = lines[j];
      auto comma = r.rfind(',');
      EXPECT_TRUE(r.front() == '(' && r.back() == ')' && comma != std::string::npos) << r;
      if (comma == std::string::npos) continue;
      std::string word = r.substr(1, comma - 1);
      EXPECT_TRUE(
          (std::set<std::string>{"to", "be", "or", "not", "hello", "world", "ember"}.count(word)))
          << word;
      c[word] = std::stol(r.substr(comma + 1, r.size() - comma - 2));
    }
    with_data += !c.empty();
    EXPECT_EQ(c["to"], 2 * c["or"]) << lines[i + 1];
    EXPECT_EQ(c["be"], 2 * c["not"]) << lines[i + 1];
    EXPECT_EQ(c["or"], c["not"]) << lines[i + 1];
    EXPECT_EQ(c["hello"], c["world"] + c["ember"]) << lines[i + 1];
    i = j;
  }
  return with_data;
}

void expectCountsFromTheEmbeddedSource(const std::string& program) {
  if (program.empty()) GTEST_SKIP() << "example not built (its layer or the examples are off)";
  std::vector<std::string> lines;
  EXPECT_EQ(run(program + " --seconds 5", lines), 0);
  EXPECT_GE(checkWholeSentences(lines), 1) << "no batch with data";
}

void expectUsageForHalfASource(const std::string& program) {
  if (program.empty()) GTEST_SKIP() << "example not built (its layer or the examples are off)";
  std::vector<std::string> lines;
  EXPECT_EQ(run(program + " only-one-argument", lines), 2);
  EXPECT_EQ(run(program + " --help", lines), 0);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front().rfind("usage: ", 0), 0u) << lines.front();
}

TEST(ZeroMQWordCountExample, EmbeddedPublisherGivesConsistentCounts) {
  expectCountsFromTheEmbeddedSource(ZEROMQ_WORDCOUNT_BIN);
}
TEST(ZeroMQWordCountExample, AUrlWithoutATopicPrintsTheUsageAndExits2) {
  expectUsageForHalfASource(ZEROMQ_WORDCOUNT_BIN);
}
TEST(MQTTWordCountExample, EmbeddedBrokerAndPublisherGiveConsistentCounts) {
  expectCountsFromTheEmbeddedSource(MQTT_WORDCOUNT_BIN);
}
TEST(MQTTWordCountExample, AUrlWithoutATopicPrintsTheUsageAndExits2) {
  expectUsageForHalfASource(MQTT_WORDCOUNT_BIN);
}
TEST(ConnectorRecipeExample, EmbeddedSourceGivesConsistentCounts) {
  expectCountsFromTheEmbeddedSource(CONNECTOR_RECIPE_RECEIVER_BIN);
}
TEST(ConnectorRecipeExample, AHostWithoutAPortPrintsTheUsageAndExits2) {
  expectUsageForHalfASource(CONNECTOR_RECIPE_RECEIVER_BIN);
}

}  // namespace
