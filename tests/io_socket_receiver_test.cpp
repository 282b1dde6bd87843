// socketStream (a user converter over the connection) and rawSocketStream (length-prefixed
// serialized blocks) against TCP servers on 127.0.0.1 at OS-chosen ports, on a manual clock.
// Synchronisation: accept() for the connection, stored-record counts and listener events for
// data and errors, batch completion; every wait has a deadline.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "io_test_support.hpp"

namespace {

using ember_test::TestServer;
using ::testing::HasSubstr;

constexpr std::int64_t kTimeoutMs = 20'000;

ember::Conf testConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("io_socket_receiver_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiverRestartDelay", "100ms");
  return conf;
}

class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

/// Each batch's partitions, by batch time.
template <class T>
struct Partitions {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<std::vector<T>>> byTime;
  std::vector<std::vector<T>> at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return byTime[t];
  }
};

template <class T>
std::shared_ptr<Partitions<T>> collect(const ember::DStream<T>& stream) {
  auto out = std::make_shared<Partitions<T>>();
  stream.foreachRDD([out](const ember::Rdd<T>& rdd, ember::Time t) {
    auto parts = rdd.glom().collect();
    std::lock_guard lock(out->mutex);
    out->byTime[t.milliseconds()] = parts;
  });
  return out;
}

/// A converter: comma-separated whole numbers; "boom" makes it throw.
void readNumbers(ember::SocketInput& in, auto& emit) {
  std::string token;
  char buffer[16];  // small, so that numbers span reads
  while (std::size_t n = in.read(buffer, sizeof buffer)) {
    for (std::size_t i = 0; i < n; ++i) {
      if (buffer[i] != ',') {
        token += buffer[i];
        continue;
      }
      if (token == "boom") throw std::runtime_error("bad record 'boom'");
      emit(std::stoi(token));
      token.clear();
    }
  }
}

/// A rawSocketStream frame: 4-byte big-endian length, then the bytes.
std::string frame(const std::string& bytes) {
  const auto n = static_cast<std::uint32_t>(bytes.size());
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  return out + bytes;
}

template <class T>
std::string rawBlock(const std::vector<T>& records) {
  return frame(ember::serializeToString(records));
}

TEST(SocketStream, TheConverterReadsTheConnectionAndEmitsRecords) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto out = collect(ssc.socketStream<int>(
      "127.0.0.1", server.port(), [](ember::SocketInput& in, auto& emit) { readNumbers(in, emit); },
      ember::StorageLevel::MEMORY_AND_DISK_SER_2));
  ssc.start();
  int client = server.accept();
  TestServer::send(client, "1,22,333,4444,55555,666666,");
  server.close(client);
  ASSERT_TRUE(events->awaitEvents(
      "Socket data stream had no more data (127.0.0.1:" + std::to_string(server.port()) + ")", 1));
  std::int64_t t = ember_test::runBatch(ssc, kTimeoutMs);
  std::vector<int> all;
  for (const auto& p : out->at(t)) all.insert(all.end(), p.begin(), p.end());
  EXPECT_EQ(all, (std::vector<int>{1, 22, 333, 4444, 55555, 666666}));
  ssc.stop();
}

TEST(SocketStream, AConverterErrorIsReportedAndTheReceiverReconnects) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto out = collect(ssc.socketStream<int>(
      "127.0.0.1", server.port(), [](ember::SocketInput& in, auto& emit) { readNumbers(in, emit); },
      ember::StorageLevel::MEMORY_ONLY));
  ssc.start();
  int first = server.accept();
  TestServer::send(first, "7,boom,8,");
  ASSERT_TRUE(events->awaitEvents("error: Error receiving data from 127.0.0.1:" +
                                      std::to_string(server.port()) + " / bad record 'boom'",
                                  1));
  int second = server.accept();  // the restart connects again
  TestServer::send(second, "9,");
  server.close(second);
  ASSERT_TRUE(events->awaitEvents("no more data", 1));
  std::int64_t t = ember_test::runBatch(ssc, kTimeoutMs);
  std::vector<int> all;
  for (const auto& p : out->at(t)) all.insert(all.end(), p.begin(), p.end());
  EXPECT_EQ(all, (std::vector<int>{7, 9}));  // 8 came after the bad record, on a dropped connection
  ssc.stop();
}

TEST(SocketStream, StoppingEndsAReadThatWaitsForData) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  collect(ssc.socketStream<int>(
      "127.0.0.1", server.port(), [](ember::SocketInput& in, auto& emit) { readNumbers(in, emit); },
      ember::StorageLevel::MEMORY_ONLY));
  ssc.start();
  server.accept();  // connected; the server sends nothing and keeps the connection open
  auto begin = std::chrono::steady_clock::now();
  ssc.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

TEST(SocketStream, BadHostOrPortIsRefused) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto converter = [](ember::SocketInput& in, auto& emit) { readNumbers(in, emit); };
  try {
    ssc.socketStream<int>("localhost", 0, converter, ember::StorageLevel::MEMORY_ONLY);
    FAIL() << "expected IllegalArgumentError";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("socketStream: port 0 is outside 1-65535"));
  }
  try {
    ssc.rawSocketStream<int>("", 9999);
    FAIL() << "expected IllegalArgumentError";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rawSocketStream: hostname must not be empty"));
  }
}

TEST(RawSocketStream, EachFrameIsOneBlock) {
  TestServer server;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto stream = ssc.rawSocketStream<std::string>("127.0.0.1", server.port());
  auto out = collect(stream);
  ssc.start();
  int client = server.accept();
  // Sent in pieces that cut through lengths and blocks: the reader must reassemble them.
  std::string bytes = rawBlock(std::vector<std::string>{"a", "bb"}) +
                      rawBlock(std::vector<std::string>{}) +
                      rawBlock(std::vector<std::string>{"ccc"});
  TestServer::send(client, bytes.substr(0, 2));
  TestServer::send(client, bytes.substr(2, 9));
  TestServer::send(client, bytes.substr(11));
  server.close(client);
  ASSERT_TRUE(events->awaitEvents("no more data", 1));
  std::int64_t t = ember_test::runBatch(ssc, kTimeoutMs);
  // The empty block stores nothing (as an empty store(vector)).
  EXPECT_EQ(out->at(t), (std::vector<std::vector<std::string>>{{"a", "bb"}, {"ccc"}}));
  ssc.stop();
}

TEST(RawSocketStream, BadFramesAreReportedAsReceiveErrors) {
  struct Case {
    std::string bytes;
    std::string error;
  };
  const std::vector<Case> cases = {
      {std::string("\xff\xff\xff\xff", 4), "block length 4294967295 is above the limit"},
      {frame("\x01\x02"), "cannot deserialize"},
      {frame(std::string(100, 'x')).substr(0, 14), "ended after 10 of 100 bytes"},
  };
  for (const auto& c : cases) {
    TestServer server;
    ember::StreamingContext ssc(testConf(), ember::Seconds(1));
    auto events = std::make_shared<EventLog>();
    ssc.addStreamingListener(events);
    collect(ssc.rawSocketStream<std::int64_t>("127.0.0.1", server.port()));
    ssc.start();
    int client = server.accept();
    TestServer::send(client, c.bytes);
    server.close(client);
    EXPECT_TRUE(events->awaitEvents("Error receiving data from 127.0.0.1", 1)) << c.error;
    EXPECT_EQ(events->count(c.error), 1) << c.error;
    ssc.stop();
  }
}

}  // namespace
