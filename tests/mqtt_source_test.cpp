// MQTTUtils against a real mosquitto broker that each test starts on a free loopback port
// (tests/mqtt_broker.hpp), killed and started again mid-test; publishers are libmosquitto
// clients. Synchronisation: the broker's log ("Sending SUBACK to <client>": the receiver's
// subscription is in place), publish acknowledgements, stored-record counts, listener events and
// batch completion on a manual clock; every wait has a deadline.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mosquitto.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/mqtt.hpp"
#include "io_test_support.hpp"
#include "mqtt_broker.hpp"
#include "temp_dir.hpp"

namespace {

using ember_test::MosquittoBroker;
using ember_test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Pair = std::pair<std::string, std::string>;

constexpr std::int64_t kTimeoutMs = 20'000;

ember::Conf testConf(const std::string& restartDelay = "200ms") {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("mqtt_source_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiverRestartDelay", restartDelay);
  return conf;
}

class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

/// A libmosquitto client that publishes and waits for the broker's acknowledgements.
class Publisher {
 public:
  explicit Publisher(int port) {
    mosquitto_lib_init();
    client_ = mosquitto_new(nullptr, true, this);
    mosquitto_publish_callback_set(client_, [](mosquitto*, void* self, int mid) {
      auto* p = static_cast<Publisher*>(self);
      {
        std::lock_guard lock(p->mutex_);
        p->acked_.insert(mid);
      }
      p->cv_.notify_all();
    });
    EXPECT_EQ(mosquitto_connect(client_, "127.0.0.1", port, 60), MOSQ_ERR_SUCCESS);
    EXPECT_EQ(mosquitto_loop_start(client_), MOSQ_ERR_SUCCESS);
  }
  ~Publisher() {
    mosquitto_disconnect(client_);
    mosquitto_loop_stop(client_, false);
    mosquitto_destroy(client_);
  }
  void publish(const std::string& topic, const std::string& payload, int qos = 1) {
    int mid = 0;
    ASSERT_EQ(mosquitto_publish(client_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), qos, false),
              MOSQ_ERR_SUCCESS);
    std::lock_guard lock(mutex_);
    sent_.push_back(mid);
  }
  /// Blocks until the broker acknowledged everything published (QoS 1 and 2; a QoS 0 message
  /// counts once written).
  bool awaitAcknowledged() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs), [&] {
      for (int mid : sent_) {
        if (!acked_.count(mid)) return false;
      }
      return true;
    });
  }

 private:
  mosquitto* client_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<int> sent_;
  std::set<int> acked_;
};

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

std::int64_t runBatch(ember::StreamingContext& ssc) {
  return ember_test::runBatch(ssc, kTimeoutMs);
}

ember::MQTTOptions withClientId(const std::string& id, int qos = 1) {
  ember::MQTTOptions options;
  options.clientId = id;
  options.qos = qos;
  return options;
}

std::shared_ptr<ember::MQTTReceiver<std::string>> receiver(const std::string& url,
                                                           const std::string& topic,
                                                           ember::MQTTOptions options) {
  return std::make_shared<ember::MQTTReceiver<std::string>>(
      url, std::vector<std::string>{topic}, ember::StorageLevel::MEMORY_AND_DISK_SER_2,
      std::move(options));
}

TEST(MQTTSource, PayloadsOfTheTopicFilterArriveInOrderAndOtherTopicsDoNot) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs);
  broker.start();
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto r = receiver(broker.url(), "sensors/+/temp", withClientId("filter-test"));
  auto out = collect(ssc.receiverStream<std::string>(r));
  ssc.start();
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to filter-test", 1)) << broker.log();
  Publisher pub(broker.port());
  pub.publish("sensors/a/temp", "21.5");
  pub.publish("sensors/a/humidity", "40");
  pub.publish("sensors/b/temp", std::string("\0bytes\xff", 7), 0);
  pub.publish("other", "x", 2);
  pub.publish("sensors/a/b/temp", "too deep");
  pub.publish("sensors/c/temp", "end", 2);
  ASSERT_TRUE(pub.awaitAcknowledged());
  ASSERT_TRUE(r->awaitRecordsStored(3, kTimeoutMs));
  auto t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("21.5", std::string("\0bytes\xff", 7), "end"));
  EXPECT_EQ(r->numRecordsStored(), 3);
  ssc.stop();
}

TEST(MQTTSource, CreateStreamAndThePairedStreamOfSeveralTopicsRunSideBySide) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs);
  broker.start();
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto payloads = collect(ember::MQTTUtils::createStream(
      ssc, broker.url(), "a/#", ember::StorageLevel::MEMORY_ONLY, /*qos=*/0));
  auto pairs = collect(ember::MQTTUtils::createPairedStream(
      ssc, broker.url(), {"a/1", "b/+"}, ember::StorageLevel::MEMORY_AND_DISK_SER_2,
      withClientId("paired-test", 2)));
  ssc.start();
  // Both subscribed: the paired receiver by its id, the other by the broker's count of SUBACKs
  // (one per receiver: a receiver subscribes to all its topics in one SUBSCRIBE).
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to paired-test", 1)) << broker.log();
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to ", 2)) << broker.log();
  Publisher pub(broker.port());
  pub.publish("a/1", "one");
  pub.publish("a/2/x", "two");
  pub.publish("b/3", "three");
  pub.publish("c", "none");
  ASSERT_TRUE(pub.awaitAcknowledged());
  // The batches are read until both streams hold what they must; a record lands in one batch.
  std::vector<std::string> gotPayloads;
  std::vector<Pair> gotPairs;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while ((gotPayloads.size() < 2 || gotPairs.size() < 2) &&
         std::chrono::steady_clock::now() < deadline) {
    auto t = runBatch(ssc);
    for (auto& p : payloads->at(t)) gotPayloads.push_back(p);
    for (auto& p : pairs->at(t)) gotPairs.push_back(p);
  }
  EXPECT_THAT(gotPayloads, ElementsAre("one", "two"));
  EXPECT_THAT(gotPairs, ElementsAre(Pair("a/1", "one"), Pair("b/3", "three")));
  ssc.stop();
}

TEST(MQTTSource, ABrokerKilledMidStreamIsReportedAndTheReceiverReconnectsWhenItIsBack) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs);
  broker.start();
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto r = receiver(broker.url(), "feed", withClientId("reconnect-test"));
  auto mqtt = collect(ssc.receiverStream<std::string>(r));
  auto queued = collect(ssc.queueStream(
      std::vector<ember::Rdd<int>>{ssc.sparkContext().parallelize(std::vector<int>{1}, 1),
                                   ssc.sparkContext().parallelize(std::vector<int>{2}, 1),
                                   ssc.sparkContext().parallelize(std::vector<int>{3}, 1)}));
  ssc.start();
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to reconnect-test", 1)) << broker.log();
  {
    Publisher pub(broker.port());
    pub.publish("feed", "before");
    ASSERT_TRUE(pub.awaitAcknowledged());
  }
  ASSERT_TRUE(r->awaitRecordsStored(1, kTimeoutMs));
  auto t1 = runBatch(ssc);

  broker.kill(SIGKILL);
  ASSERT_TRUE(events.awaitEvents("error: Connection lost to " + broker.url(), 1));
  // The broker is down (and the receiver retries, each failure reported): the other stream goes
  // on.
  ASSERT_TRUE(events.awaitEvents("error: Error connecting to " + broker.url(), 1));
  auto t2 = runBatch(ssc);

  broker.start();  // the same port; a new process, whose log starts afresh
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to reconnect-test", 1)) << broker.log();
  {
    Publisher pub(broker.port());
    pub.publish("feed", "after");
    ASSERT_TRUE(pub.awaitAcknowledged());
  }
  ASSERT_TRUE(r->awaitRecordsStored(2, kTimeoutMs));
  auto t3 = runBatch(ssc);
  EXPECT_THAT(mqtt->at(t1), ElementsAre("before"));
  EXPECT_TRUE(mqtt->at(t2).empty());
  EXPECT_THAT(mqtt->at(t3), ElementsAre("after"));
  EXPECT_THAT(queued->at(t1), ElementsAre(1));
  EXPECT_THAT(queued->at(t2), ElementsAre(2));
  EXPECT_THAT(queued->at(t3), ElementsAre(3));
  ssc.stop();
}

TEST(MQTTSource, APersistentSessionAtQos1LosesNothingWhileTheReceiverIsAwayAndTheBrokerRestarts) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs);
  broker.start();
  ember::MQTTOptions durable = withClientId("durable-test", 1);
  durable.cleanSession = false;
  {
    ember::StreamingContext ssc(testConf(), ember::Seconds(1));
    auto r = receiver(broker.url(), "orders", durable);
    auto out = collect(ssc.receiverStream<std::string>(r));
    ssc.start();
    ASSERT_TRUE(broker.awaitLog("Sending SUBACK to durable-test", 1)) << broker.log();
    Publisher pub(broker.port());
    for (int i = 1; i <= 3; ++i) pub.publish("orders", "o" + std::to_string(i));
    ASSERT_TRUE(pub.awaitAcknowledged());
    ASSERT_TRUE(r->awaitRecordsStored(3, kTimeoutMs));
    auto t = runBatch(ssc);
    EXPECT_THAT(out->at(t), ElementsAre("o1", "o2", "o3"));
    ssc.stop();
  }
  ASSERT_TRUE(broker.awaitLog("Client durable-test disconnected", 1)) << broker.log();
  {
    // Published while no receiver runs: the broker queues them for the session.
    Publisher pub(broker.port());
    for (int i = 4; i <= 6; ++i) pub.publish("orders", "o" + std::to_string(i));
    ASSERT_TRUE(pub.awaitAcknowledged());
  }
  // SIGTERM: the broker writes its database (the session, its subscription and the queued
  // messages) and exits; the new process reads it back.
  broker.kill(SIGTERM);
  broker.start();
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto r = receiver(broker.url(), "orders", durable);
  auto out = collect(ssc.receiverStream<std::string>(r));
  ssc.start();
  ASSERT_TRUE(r->awaitRecordsStored(3, kTimeoutMs)) << broker.log();
  auto t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre("o4", "o5", "o6"));
  ssc.stop();
}

TEST(MQTTSource, ABrokerThatIsNotThereIsRetriedAndReportedWhileTheOtherStreamsGoOn) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs);  // not started yet
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto r = receiver(broker.url(), "late", withClientId("late-test"));
  auto mqtt = collect(ssc.receiverStream<std::string>(r));
  auto queued = collect(ssc.queueStream(
      std::vector<ember::Rdd<int>>{ssc.sparkContext().parallelize(std::vector<int>{7, 8}, 2)}));
  ssc.start();
  ASSERT_TRUE(events.awaitEvents("error: Error connecting to " + broker.url(), 2));
  auto t1 = runBatch(ssc);
  EXPECT_THAT(queued->at(t1), UnorderedElementsAre(7, 8));
  EXPECT_TRUE(mqtt->at(t1).empty());
  broker.start();
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to late-test", 1)) << broker.log();
  Publisher pub(broker.port());
  pub.publish("late", "here");
  ASSERT_TRUE(pub.awaitAcknowledged());
  ASSERT_TRUE(r->awaitRecordsStored(1, kTimeoutMs));
  auto t2 = runBatch(ssc);
  EXPECT_THAT(mqtt->at(t2), ElementsAre("here"));
  ssc.stop();
}

TEST(MQTTSource, ABrokerThatRefusesTheClientIsReportedWithItsReason) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs, "allow_anonymous false\n");
  broker.start();
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  collect(ember::MQTTUtils::createStream(ssc, broker.url(), "t"));
  ssc.start();
  ASSERT_TRUE(events.awaitEvents("error: Broker " + broker.url() + " refused the connection", 2));
  EXPECT_GE(events.count("not authorised"), 1);
  ssc.stop();
}

TEST(MQTTSource, StopReturnsPromptlyWhileConnectedOrWaitingToReconnect) {
  TempDir dir("mqtt_source_test");
  MosquittoBroker broker(dir.path(), kTimeoutMs);
  broker.start();
  EventLog events;
  ember::StreamingContext ssc(testConf("60s"), ember::Seconds(1));  // a restart would wait long
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  collect(
      ssc.receiverStream<std::string>(receiver(broker.url(), "idle", withClientId("idle-test"))));
  collect(ssc.receiverStream<std::string>(
      receiver("tcp://127.0.0.1:" + std::to_string(ember_test::freeLoopbackPort()), "x",
               withClientId("x"))));
  ssc.start();
  ASSERT_TRUE(broker.awaitLog("Sending SUBACK to idle-test", 1)) << broker.log();
  ASSERT_TRUE(events.awaitEvents("error: Error connecting to", 1));
  auto begin = std::chrono::steady_clock::now();
  ssc.stop();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  begin)
                .count();
  EXPECT_LT(ms, 5'000) << "stop() waited for the network or the backoff";
  EXPECT_TRUE(broker.awaitLog("Client idle-test disconnected", 1)) << broker.log();
}

TEST(MQTTSource, SettingsMQTTDoesNotAllowAreRefusedWhereTheyAreGiven) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto refused = [&](const std::string& url, const std::string& topic, ember::MQTTOptions options,
                     const std::string& part) {
    try {
      ember::MQTTUtils::createStream(ssc, url, topic, ember::StorageLevel::MEMORY_ONLY, options);
      ADD_FAILURE() << url << " " << topic << " was accepted";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_THAT(e.what(), HasSubstr(part));
    }
  };
  const std::string ok = "tcp://127.0.0.1:1883";
  refused("ssl://broker:8883", "t", {}, "'ssl://broker:8883' has a scheme ember does not support");
  refused("localhost:1883", "t", {}, "expected tcp://host[:port]");
  refused("tcp://:1883", "t", {}, "has no host");
  refused("tcp://h:0", "t", {}, "port '0', not a number in 1-65535");
  refused("tcp://h:x", "t", {}, "port 'x'");
  refused(ok, "", {}, "topic ''");
  refused(ok, "a/#/b", {}, "topic 'a/#/b' is not an MQTT topic filter");
  refused(ok, "a+", {}, "topic 'a+'");
  ember::MQTTOptions qos3;
  qos3.qos = 3;
  refused(ok, "t", qos3, "qos is 3; it must be 0, 1 or 2");
  ember::MQTTOptions anonymousDurable;
  anonymousDurable.cleanSession = false;
  refused(ok, "t", anonymousDurable, "cleanSession false needs a clientId");
  ember::MQTTOptions shortKeepAlive;
  shortKeepAlive.keepAliveInterval = 3;
  refused(ok, "t", shortKeepAlive, "keepAliveInterval is 3 s");
  ember::MQTTOptions passwordOnly;
  passwordOnly.password = "secret";
  refused(ok, "t", passwordOnly, "a password was given without a username");
  EXPECT_THROW(ember::MQTTUtils::createPairedStream(ssc, ok, {}), ember::IllegalArgumentError);
  // What is allowed: the default port, an IPv6 host, mqtt://.
  EXPECT_EQ(ember::detail::parseMQTTBrokerUrl("t", "tcp://broker").port, 1883);
  EXPECT_EQ(ember::detail::parseMQTTBrokerUrl("t", "mqtt://[::1]:1884").host, "::1");
  EXPECT_EQ(ember::detail::parseMQTTBrokerUrl("t", "mqtt://[::1]:1884").port, 1884);
}

}  // namespace
