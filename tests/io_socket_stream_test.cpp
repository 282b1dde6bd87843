// socketTextStream and SocketTextReceiver against real TCP servers on 127.0.0.1, on a manual
// clock. Synchronisation is by blocking calls only: accept() waits for the receiver to connect,
// awaitRecordsStored() and listener events for data to be stored, awaitBatchProcessed() for a
// batch.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/io/line_splitter.hpp"
#include "io_test_support.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Lines = std::vector<std::string>;

constexpr std::int64_t kTimeoutMs = 20'000;

using ember_test::TestServer;

/// A port nothing listens on (it was free a moment ago).
int reservePort() {
  TestServer server;
  return server.port();
}

/// Each batch's records, by batch time.
struct Collected {
  std::mutex mutex;
  std::map<std::int64_t, Lines> batches;
  Lines at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return batches[t];
  }
};

template <class T>
std::shared_ptr<Collected> collect(const ember::DStream<T>& stream) {
  auto out = std::make_shared<Collected>();
  stream.foreachRDD([out](const ember::Rdd<T>& rdd, ember::Time t) {
    auto rows = rdd.collect();
    std::lock_guard lock(out->mutex);
    auto& batch = out->batches[t.milliseconds()];
    for (auto& r : rows) {
      if constexpr (std::is_same_v<T, std::string>) {
        batch.push_back(r);
      } else {
        batch.push_back(std::to_string(r));
      }
    }
  });
  return out;
}

/// Receiver events, waited for by count or by message.
class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

ember::Conf testConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("io_socket_stream_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiverRestartDelay", "50ms");
  return conf;
}

std::int64_t runBatch(ember::StreamingContext& ssc) {
  return ember_test::runBatch(ssc, kTimeoutMs);
}

TEST(LineSplitter, LineEndingsAsJavaReadLineAtEverySplitPoint) {
  const std::string input = "a b\r\nsecond\n\nthird\rfourth\r\n\r\rlast";
  const Lines expected{"a b", "second", "", "third", "fourth", "", "", "last"};
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    ember::detail::LineSplitter splitter;
    Lines got;
    auto emit = [&](std::string&& line) { got.push_back(std::move(line)); };
    splitter.feed(std::string_view(input).substr(0, cut), emit);
    splitter.feed(std::string_view(input).substr(cut), emit);
    splitter.finish(emit);
    EXPECT_EQ(got, expected) << "cut at " << cut;
  }
}

TEST(LineSplitter, LineStartsAreByteOffsetsAtEverySplitPoint) {
  // TextInputFormat's keys: where each line starts, terminators counted, however the bytes come.
  const std::string input = "a b\r\nsecond\n\nthird\rfourth\r\n\r\rlast";
  const std::vector<std::int64_t> expected{0, 5, 12, 13, 19, 27, 28, 29};
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    ember::detail::LineSplitter splitter;
    std::vector<std::int64_t> got;
    auto emit = [&](std::string&&) { got.push_back(splitter.lineStart()); };
    splitter.feed(std::string_view(input).substr(0, cut), emit);
    splitter.feed(std::string_view(input).substr(cut), emit);
    splitter.finish(emit);
    EXPECT_EQ(got, expected) << "cut at " << cut;
  }
  // Skipped bytes (a byte-order mark) move later lines, not the first.
  ember::detail::LineSplitter splitter;
  std::vector<std::int64_t> got;
  auto emit = [&](std::string&&) { got.push_back(splitter.lineStart()); };
  splitter.skip(3);
  splitter.feed("x\ny", emit);
  splitter.finish(emit);
  EXPECT_EQ(got, (std::vector<std::int64_t>{0, 5}));
}

TEST(LineSplitter, NoLineAfterAFinalTerminator) {
  for (std::string input : {"x\n", "x\r\n", "x\r"}) {
    ember::detail::LineSplitter splitter;
    Lines got;
    auto emit = [&](std::string&& line) { got.push_back(std::move(line)); };
    splitter.feed(input, emit);
    splitter.finish(emit);
    EXPECT_THAT(got, ElementsAre("x")) << input;
  }
  ember::detail::LineSplitter splitter;
  int n = 0;
  splitter.finish([&](std::string&&) { ++n; });
  EXPECT_EQ(n, 0);
}

std::string repaired(std::string text) {
  ember::detail::replaceMalformedUtf8(text);
  return text;
}

TEST(LineSplitter, MalformedUtf8BecomesReplacementCharactersAsJavaDecodes) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(repaired("plain ascii"), "plain ascii");
  EXPECT_EQ(repaired("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  // Unicode's example of maximal subparts (chapter 3, U+FFFD substitution).
  EXPECT_EQ(repaired("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + r + r + r + "b" + r + "c" + r + r + "d");
  EXPECT_EQ(repaired("\xC0\x80"), r + r);                  // overlong
  EXPECT_EQ(repaired("\xE0\x80\x80"), r + r + r);          // overlong
  EXPECT_EQ(repaired("\xED\xA0\x80"), r + r + r);          // a surrogate
  EXPECT_EQ(repaired("\xF4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
  EXPECT_EQ(repaired("x\xE2\x82"), "x" + r);               // cut short at the end
  EXPECT_EQ(repaired("\xFF"), r);
}

TEST(SocketTextStream, LinesOfTheServerAreTheRecordsOfTheBatch) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto out = collect(ssc.socketTextStream("127.0.0.1", server.port()));
  ssc.start();

  int client = server.accept();
  TestServer::send(client, "a b\r\nsecond\n\nthi");
  TestServer::send(client, "rd\nwith \xc3\xa9 and\tutf-8\nbad \xff byte\nlast without newline");
  server.close(client);
  // The end of the stream makes the receiver ask for a restart, after it stored the last line.
  ASSERT_TRUE(events->awaitEvents("no more data", 1));
  std::int64_t t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("a b", "second", "", "third", "with \xc3\xa9 and\tutf-8",
                                      "bad \xEF\xBF\xBD byte", "last without newline"));
  ssc.stop();
}

TEST(SocketTextStream, WordCountOverTheSocket) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto receiver = std::make_shared<ember::SocketTextReceiver>(
      "localhost", server.port(), ember::StorageLevel::MEMORY_AND_DISK_SER_2);
  auto counts = ssc.receiverStream<std::string>(receiver)
                    .flatMap([](const std::string& l) { return ember::split(l, ' '); })
                    .map([](std::string w) {
                      return std::pair{std::move(w), 1};
                    })
                    .reduceByKey(std::plus<>{});
  auto out = std::make_shared<Collected>();
  counts.foreachRDD([out](const ember::Rdd<std::pair<std::string, int>>& rdd, ember::Time t) {
    auto rows = rdd.collect();
    std::sort(rows.begin(), rows.end());
    std::lock_guard lock(out->mutex);
    for (auto& [w, n] : rows) out->batches[t.milliseconds()].push_back(w + ":" + std::to_string(n));
  });
  ssc.start();
  int client = server.accept();
  TestServer::send(client, "hello world\nhello  ember\n");
  ASSERT_TRUE(receiver->awaitRecordsStored(2, kTimeoutMs));
  std::int64_t first = runBatch(ssc);
  TestServer::send(client, "world\n");
  ASSERT_TRUE(receiver->awaitRecordsStored(3, kTimeoutMs));
  std::int64_t second = runBatch(ssc);
  std::int64_t third = runBatch(ssc);
  EXPECT_THAT(out->at(first), ElementsAre(":1", "ember:1", "hello:2", "world:1"));
  EXPECT_THAT(out->at(second), ElementsAre("world:1"));
  EXPECT_TRUE(out->at(third).empty());
  ssc.stop();
}

TEST(SocketTextStream, ManyLinesArriveWholeAndInOrder) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto receiver = std::make_shared<ember::SocketTextReceiver>(
      "127.0.0.1", server.port(), ember::StorageLevel::MEMORY_AND_DISK_SER_2);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  int client = server.accept();
  constexpr int kLines = 200'000;
  std::string data;
  for (int i = 0; i < kLines; ++i) data += "line " + std::to_string(i) + (i % 3 ? "\n" : "\r\n");
  TestServer::send(client, data);
  ASSERT_TRUE(receiver->awaitRecordsStored(kLines, kTimeoutMs));
  Lines got = out->at(runBatch(ssc));
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kLines));
  for (int i = 0; i < kLines; ++i) ASSERT_EQ(got[i], "line " + std::to_string(i));
  ssc.stop();
}

TEST(SocketTextStream, ConnectsOnceTheServerIsUp) {
  const int port = reservePort();
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<ember::SocketTextReceiver>(
      "127.0.0.1", port, ember::StorageLevel::MEMORY_AND_DISK_SER_2);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  // Connection refused, reported, retried.
  ASSERT_TRUE(events->awaitEvents("Error connecting to 127.0.0.1:" + std::to_string(port), 2));
  std::int64_t before = runBatch(ssc);
  EXPECT_TRUE(out->at(before).empty());

  TestServer server(port);
  int client = server.accept();
  TestServer::send(client, "x\ny\n");
  ASSERT_TRUE(receiver->awaitRecordsStored(2, kTimeoutMs));
  std::int64_t t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("x", "y"));
  ssc.stop();
}

TEST(SocketTextStream, ReconnectsWhenTheServerDropsTheConnection) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<ember::SocketTextReceiver>(
      "127.0.0.1", server.port(), ember::StorageLevel::MEMORY_AND_DISK_SER_2);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  for (int round = 0; round < 3; ++round) {
    int client = server.accept();
    TestServer::send(client, "round " + std::to_string(round) + "\n");
    ASSERT_TRUE(receiver->awaitRecordsStored(round + 1, kTimeoutMs));
    server.close(client);
  }
  std::int64_t t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("round 0", "round 1", "round 2"));
  // Listener events arrive on the bus's thread, so they are waited for.
  EXPECT_TRUE(events->awaitEvents("no more data", 2));
  EXPECT_TRUE(events->awaitEvents("started", 3));  // the first start and one per reconnection
  ssc.stop();
}

TEST(SocketTextStream, RefusesBadArgumentsNamingThem) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto message = [&](const std::string& host, int port) -> std::string {
    try {
      ssc.socketTextStream(host, port);
    } catch (const ember::IllegalArgumentError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(message("localhost", 0), HasSubstr("port 0 is outside 1-65535"));
  EXPECT_THAT(message("localhost", 70000), HasSubstr("port 70000 is outside 1-65535"));
  EXPECT_THAT(message("localhost", -1), HasSubstr("port -1"));
  EXPECT_THAT(message("", 9999), HasSubstr("hostname must not be empty"));
  EXPECT_EQ(message("localhost", 65535), "no error");
}

TEST(SocketTextStream, AFailingSourceDoesNotStopTheOthers) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto down = collect(ssc.socketTextStream("127.0.0.1", reservePort()));
  auto unknown_host = collect(ssc.socketTextStream("no-such-host.invalid", 9999));
  std::vector<ember::Rdd<int>> rdds;
  for (int i = 0; i < 3; ++i)
    rdds.push_back(ssc.sparkContext().parallelize(std::vector{i, 10 + i}, 2));
  auto queue = collect(ssc.queueStream(rdds));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("Error connecting", 4));
  for (int i = 0; i < 3; ++i) {
    std::int64_t t = runBatch(ssc);
    EXPECT_THAT(queue->at(t), ElementsAre(std::to_string(i), std::to_string(10 + i)));
    EXPECT_TRUE(down->at(t).empty());
    EXPECT_TRUE(unknown_host->at(t).empty());
  }
  EXPECT_EQ(ssc.getState(), ember::StreamingContextState::ACTIVE);
  ssc.stop();
}

TEST(SocketTextStream, StopIsPromptDuringBackoffAndWhileReading) {
  auto conf = testConf();
  conf.set("spark.streaming.receiverRestartDelay", "60s");
  TestServer server;
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  collect(ssc.socketTextStream("127.0.0.1", reservePort()));  // in a 3 s backoff after failing
  collect(ssc.socketTextStream("127.0.0.1", server.port()));  // blocked in a read
  ssc.start();
  server.accept();
  ASSERT_TRUE(events->awaitEvents("Error connecting", 1));
  auto begin = std::chrono::steady_clock::now();
  ssc.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
}

}  // namespace
