// The Kafka examples run as processes, each on its own in-process mock cluster: they must print
// counts within their --seconds and exit 0. Skipped when the examples are not built.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <sys/wait.h>

namespace {

/// Runs `command`, returns its standard output; `status` gets its exit status.
std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int raw = ::pclose(pipe);
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

TEST(KafkaExamples, DirectKafkaWordCountCountsTheMockClustersWords) {
#ifndef DIRECT_KAFKA_WORDCOUNT_BIN
  GTEST_SKIP() << "the examples are not built";
#else
  int status = -1;
  std::string out =
      run(std::string("timeout 60 ") + DIRECT_KAFKA_WORDCOUNT_BIN + " --seconds 5", status);
  EXPECT_EQ(status, 0);
  EXPECT_THAT(out, testing::HasSubstr("(hello,"));
  EXPECT_THAT(out, testing::HasSubstr("(ember,"));
#endif
}

TEST(KafkaExamples, KafkaExactlyOnceCommitsEachBatchInATransaction) {
#ifndef KAFKA_EXACTLY_ONCE_BIN
  GTEST_SKIP() << "the examples are not built";
#else
  int status = -1;
  std::string out =
      run(std::string("timeout 60 ") + KAFKA_EXACTLY_ONCE_BIN + " --seconds 4", status);
  EXPECT_EQ(status, 0);
  EXPECT_THAT(out, testing::ContainsRegex(
                       "records in, [1-9][0-9]* counts out, committed in one transaction"));
#endif
}

TEST(KafkaExamples, AnOptionWithoutItsValueIsABadArgument) {
#ifndef DIRECT_KAFKA_WORDCOUNT_BIN
  GTEST_SKIP() << "the examples are not built";
#else
  int status = -1;
  run(std::string(DIRECT_KAFKA_WORDCOUNT_BIN) + " --brokers", status);
  EXPECT_EQ(status, 2);
#endif
}

}  // namespace
