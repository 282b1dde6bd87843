// ZeroMQUtils::createStream against real publisher sockets on 127.0.0.1 (OS-chosen ports), on
// a manual clock. The publishers are XPUB sockets: a PUB that also hands the test each
// subscription, so the test publishes only once the receiver's SUB socket is connected and
// subscribed (a PUB drops what is sent before). Synchronisation: subscriptions (with a receive
// timeout), stored-record counts, listener events and batch completion, all with deadlines.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/zeromq.hpp"
#include "io_test_support.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr std::int64_t kTimeoutMs = 20'000;

ember::Conf testConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("zeromq_source_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiverRestartDelay", "200ms");
  return conf;
}

class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

/// A publisher on 127.0.0.1: port 0 lets the system choose.
class Publisher {
 public:
  explicit Publisher(zmq::context_t& context, int port = 0)
      : socket_(context, zmq::socket_type::xpub) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::xpub_verboser, 1);  // every (un)subscription, repeated ones too
    socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(kTimeoutMs));
    socket_.bind("tcp://127.0.0.1:" + (port == 0 ? std::string("*") : std::to_string(port)));
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
  }
  const std::string& endpoint() const { return endpoint_; }
  int port() const { return std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1)); }

  /// Waits for a subscriber to subscribe; returns the topic prefix it subscribed to. Fails the
  /// test after the timeout (a receive timeout, so a failure does not hang).
  std::string awaitSubscription() {
    for (;;) {
      zmq::message_t message;
      auto got = socket_.recv(message, zmq::recv_flags::none);
      EXPECT_TRUE(got.has_value()) << "no subscription within " << kTimeoutMs << " ms";
      if (!got) return "<none>";
      // Unsubscriptions (a first byte of 0) come from sockets a restart closed.
      if (message.size() > 0 && message.data<char>()[0] == 1) {
        return std::string(message.data<char>() + 1, message.size() - 1);
      }
    }
  }
  void send(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      ASSERT_TRUE(socket_.send(zmq::buffer(frames[i]), flags).has_value());
    }
  }
  void close() { socket_.close(); }

 private:
  zmq::socket_t socket_;
  std::string endpoint_;
};

/// Each batch's records, by batch time.
template <class T>
struct Batches {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<T>> byTime;
  std::vector<T> at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return byTime[t];
  }
};

template <class T>
std::shared_ptr<Batches<T>> collect(const ember::DStream<T>& stream) {
  auto out = std::make_shared<Batches<T>>();
  stream.foreachRDD([out](const ember::Rdd<T>& rdd, ember::Time t) {
    auto records = rdd.collect();
    std::lock_guard lock(out->mutex);
    out->byTime[t.milliseconds()] = records;
  });
  return out;
}

/// bytesToObjects as Spark's ZeroMQ word count has it: one record per frame.
std::vector<std::string> framesAsStrings(const std::vector<std::string>& frames) {
  return frames;
}

std::int64_t runBatch(ember::StreamingContext& ssc) {
  return ember_test::runBatch(ssc, kTimeoutMs);
}

/// Runs batches until the stream collected at least n records (or the deadline passes); returns
/// them in batch order.
template <class T>
std::vector<T> runBatchesUntil(ember::StreamingContext& ssc, Batches<T>& out, std::size_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  std::vector<T> all;
  while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto batch = out.at(runBatch(ssc));
    all.insert(all.end(), batch.begin(), batch.end());
  }
  return all;
}

/// A ZeroMQ receiver of strings, made as createStream makes it, for the tests that wait on its
/// stored records.
template <class F>
auto stringReceiver(const std::string& url, const std::string& subscribe, F bytesToObjects) {
  return std::make_shared<ember::ZeroMQReceiver<std::string, F>>(
      url, subscribe, std::move(bytesToObjects), ember::StorageLevel::MEMORY_AND_DISK_SER_2);
}

TEST(ZeroMQSource, MultipartMessagesLoseTheirTopicFrameAndKeepTheRestInOrder) {
  zmq::context_t context;
  Publisher pub(context);
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto stream = ember::ZeroMQUtils::createStream(ssc, pub.endpoint(), "",
                                                 [](const std::vector<std::string>& frames) {
                                                   std::string joined;
                                                   for (const auto& f : frames)
                                                     joined += (joined.empty() ? "" : "|") + f;
                                                   return std::vector<std::string>{joined};
                                                 });
  auto out = collect(stream);
  ssc.start();
  EXPECT_EQ(pub.awaitSubscription(), "");
  pub.send({"topic", "a", "b", "c"});
  pub.send({"topic", std::string("\0x\xff", 3)});  // frames are bytes, not text
  pub.send({"topic"});                             // nothing after the topic: one empty record
  EXPECT_THAT(runBatchesUntil(ssc, *out, 3), ElementsAre("a|b|c", std::string("\0x\xff", 3), ""));
  ssc.stop();
}

TEST(ZeroMQSource, OnlyMessagesWhoseTopicStartsWithTheSubscriptionArrive) {
  zmq::context_t context;
  Publisher pub(context);
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto receiver = stringReceiver(pub.endpoint(), "sensor.", framesAsStrings);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  EXPECT_EQ(pub.awaitSubscription(), "sensor.");
  pub.send({"sensor.1", "s1"});
  pub.send({"other", "o1"});
  pub.send({"sensor", "prefix too short"});
  pub.send({"sensor.2", "s2", "s2b"});
  pub.send({"xsensor.3", "o2"});
  pub.send({"sensor.3", "end"});
  ASSERT_TRUE(receiver->awaitRecordsStored(4, kTimeoutMs));
  auto t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("s1", "s2", "s2b", "end"));
  EXPECT_EQ(receiver->numRecordsStored(), 4);
  ssc.stop();
}

TEST(ZeroMQSource, EmitterFormWithAnExplicitRecordTypeSpansBatches) {
  zmq::context_t context;
  Publisher pub(context);
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto numbers = ember::ZeroMQUtils::createStream<int>(
      ssc, pub.endpoint(), "n", [](const std::vector<std::string>& frames, auto& emit) {
        for (const auto& f : frames) emit(std::stoi(f));
      });
  auto sums = collect(numbers.reduce(std::plus<>{}));
  ssc.start();
  pub.awaitSubscription();
  pub.send({"n", "1", "2", "3", "10", "20"});
  pub.send({"n", "100"});
  // The records may be cut into more than one batch: the sums of the batches add up.
  auto all = runBatchesUntil(ssc, *sums, 1);
  int total = 0;
  for (int sum : all) total += sum;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (total < 136 && std::chrono::steady_clock::now() < deadline) {
    for (int sum : sums->at(runBatch(ssc))) total += sum;
  }
  EXPECT_EQ(total, 136);
  auto empty = runBatch(ssc);  // nothing more received: reduce of an empty batch has no record
  EXPECT_TRUE(sums->at(empty).empty());
  ssc.stop();
}

TEST(ZeroMQSource, APublisherThatIsNotThereIsRetriedAndReportedUntilItBinds) {
  zmq::context_t context;
  int port = 0;
  {
    Publisher probe(context);  // a port that was free a moment ago, nothing listening on it now
    port = probe.port();
  }
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto receiver = stringReceiver("tcp://127.0.0.1:" + std::to_string(port), "", framesAsStrings);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  ASSERT_TRUE(
      events.awaitEvents("error: Error connecting to tcp://127.0.0.1:" + std::to_string(port),
                         2));  // retried: at least a second attempt failed too
  Publisher pub(context, port);
  pub.awaitSubscription();
  pub.send({"t", "late but here"});
  ASSERT_TRUE(receiver->awaitRecordsStored(1, kTimeoutMs));
  auto t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("late but here"));
  ssc.stop();
}

TEST(ZeroMQSource, APublisherThatGoesAwayIsReportedAndTheReceiverReconnectsWhenItIsBack) {
  zmq::context_t context;
  auto pub = std::make_unique<Publisher>(context);
  const int port = pub->port();
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto receiver = stringReceiver(pub->endpoint(), "", framesAsStrings);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  pub->awaitSubscription();
  pub->send({"t", "before"});
  ASSERT_TRUE(receiver->awaitRecordsStored(1, kTimeoutMs));
  pub.reset();  // the publisher dies
  ASSERT_TRUE(events.awaitEvents(
      "error: ZeroMQ publisher tcp://127.0.0.1:" + std::to_string(port) + " closed the connection",
      1));
  pub = std::make_unique<Publisher>(context, port);  // and comes back on the same port
  pub->awaitSubscription();
  pub->send({"t", "after"});
  ASSERT_TRUE(receiver->awaitRecordsStored(2, kTimeoutMs));
  auto t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("before", "after"));
  // The restart; events arrive on the listener thread, possibly after the records.
  EXPECT_TRUE(events.awaitEvents("started", 2));
  ssc.stop();
}

TEST(ZeroMQSource, ADeadPublisherFailsOnlyItsOwnStreamWhileTheOthersGoOn) {
  zmq::context_t context;
  int deadPort = 0;
  {
    Publisher probe(context);
    deadPort = probe.port();
  }
  Publisher live(context);
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto dead = ember::ZeroMQUtils::createStream(ssc, "tcp://127.0.0.1:" + std::to_string(deadPort),
                                               "", framesAsStrings);
  auto aliveReceiver = stringReceiver(live.endpoint(), "", framesAsStrings);
  auto alive = ssc.receiverStream<std::string>(aliveReceiver);
  auto queued = ssc.queueStream(std::vector<ember::Rdd<std::string>>{
      ssc.sparkContext().parallelize(std::vector<std::string>{"q1", "q2"}, 1),
      ssc.sparkContext().parallelize(std::vector<std::string>{"q3"}, 1)});
  auto out = collect(dead.union_(alive).union_(queued));
  ssc.start();
  live.awaitSubscription();
  ASSERT_TRUE(events.awaitEvents(
      "error: Error connecting to tcp://127.0.0.1:" + std::to_string(deadPort), 1));
  live.send({"t", "z1"});
  ASSERT_TRUE(aliveReceiver->awaitRecordsStored(1, kTimeoutMs));
  auto t1 = runBatch(ssc);
  live.send({"t", "z2"});
  ASSERT_TRUE(aliveReceiver->awaitRecordsStored(2, kTimeoutMs));
  auto t2 = runBatch(ssc);
  EXPECT_THAT(out->at(t1), UnorderedElementsAre("z1", "q1", "q2"));
  EXPECT_THAT(out->at(t2), UnorderedElementsAre("z2", "q3"));
  EXPECT_EQ(
      events.count("error: Error connecting to tcp://127.0.0.1:" + std::to_string(live.port())), 0);
  ssc.stop();
}

TEST(ZeroMQSource, AnExceptionFromBytesToObjectsRestartsTheReceiverWithTheMessage) {
  zmq::context_t context;
  Publisher pub(context);
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto receiver = stringReceiver(pub.endpoint(), "", [](const std::vector<std::string>& frames) {
    if (frames.at(0) == "boom") throw std::runtime_error("cannot decode 'boom'");
    return frames;
  });
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  pub.awaitSubscription();
  pub.send({"t", "ok1"});
  pub.send({"t", "boom"});
  ASSERT_TRUE(events.awaitEvents(
      "error: Error receiving data from " + pub.endpoint() + " / cannot decode 'boom'", 1));
  pub.awaitSubscription();  // the restarted receiver's new socket
  pub.send({"t", "ok2"});
  ASSERT_TRUE(receiver->awaitRecordsStored(2, kTimeoutMs));
  auto t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("ok1", "ok2"));
  ssc.stop();
}

TEST(ZeroMQSource, StopReturnsPromptlyWhileTheReceiverWaitsForDataOrForAPublisher) {
  zmq::context_t context;
  Publisher pub(context);
  int deadPort = 0;
  {
    Publisher probe(context);
    deadPort = probe.port();
  }
  auto conf = testConf();
  conf.set("spark.streaming.receiverRestartDelay", "60s");  // a restart would wait long
  EventLog events;
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  collect(ember::ZeroMQUtils::createStream(ssc, pub.endpoint(), "", framesAsStrings));
  collect(ember::ZeroMQUtils::createStream(ssc, "tcp://127.0.0.1:" + std::to_string(deadPort), "",
                                           framesAsStrings));
  ssc.start();
  pub.awaitSubscription();                                        // one waits for data
  ASSERT_TRUE(events.awaitEvents("error: Error connecting", 1));  // the other in its backoff
  auto begin = std::chrono::steady_clock::now();
  ssc.stop();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  begin)
                .count();
  EXPECT_LT(ms, 5'000) << "stop() waited for the network or the backoff";
}

TEST(ZeroMQSource, AUrlZeroMQCannotConnectToIsRefusedWhereItIsGiven) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  for (std::string url : {"localhost:5555", "tcp://127.0.0.1", "carrier-pigeon://coop"}) {
    try {
      ember::ZeroMQUtils::createStream(ssc, url, "", framesAsStrings);
      ADD_FAILURE() << url << " was accepted";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_THAT(e.what(), HasSubstr("'" + url + "'"));
      EXPECT_THAT(e.what(), HasSubstr("tcp://host:port"));
    }
  }
}

}  // namespace
