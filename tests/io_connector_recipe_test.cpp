// The connector recipe's example receiver (examples/polling_source_receiver.hpp, documented in
// docs/connectors.md) against a fake source written here: a TCP server on 127.0.0.1 speaking
// its POLL / BATCH / ACK protocol, keeping each batch until it is acknowledged, and cutting a
// connection in the middle of a batch when told to. On a manual clock; synchronisation by
// stored-record counts, acknowledgements, listener events and batch completion, with deadlines.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../examples/polling_source_receiver.hpp"
#include "ember/ember.hpp"
#include "io_test_support.hpp"

namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr std::int64_t kTimeoutMs = 20'000;

/// The fake source: events go out in batches of at most the size a POLL asks for; a batch stays
/// pending until its ACK and is sent again, whole, on the next connection. A POLL with nothing
/// to send is held up to 50 ms, then answered with an empty batch.
class FakeSource {
 public:
  /// Listens on 127.0.0.1:port (0: the system chooses).
  explicit FakeSource(int port = 0) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t len = sizeof addr;
    if (::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_, 4) != 0 ||
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1:" << port << ": " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeSource() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      if (client_ >= 0) ::shutdown(client_, SHUT_RDWR);
    }
    cv_.notify_all();
    ::shutdown(listen_, SHUT_RDWR);  // ends a blocked accept()
    thread_.join();
    ::close(listen_);
  }
  int port() const { return port_; }

  void add(const std::vector<std::string>& events) {
    {
      std::lock_guard lock(mutex_);
      events_.insert(events_.end(), events.begin(), events.end());
    }
    cv_.notify_all();
  }
  /// The next time batch `id` is sent, only its header and first event go out, and the
  /// connection is closed.
  void cutBatch(long id) {
    std::lock_guard lock(mutex_);
    cut_ = id;
  }
  /// Blocks until batch `id` was acknowledged; returns whether it was before the timeout.
  bool awaitAck(long id) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs),
                        [&] { return acked_.count(id) > 0; });
  }
  int connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  /// How often each batch was sent whole.
  std::map<long, int> sends() {
    std::lock_guard lock(mutex_);
    return sends_;
  }

 private:
  void serve() {
    for (;;) {
      int client = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;  // shut down by the destructor
      {
        std::lock_guard lock(mutex_);
        if (stop_) {
          ::close(client);
          return;
        }
        client_ = client;
        ++connections_;
      }
      talk(client);
      std::lock_guard lock(mutex_);
      ::close(client);
      client_ = -1;
      if (stop_) return;
    }
  }

  void talk(int client) {
    std::string in;
    char buffer[512];
    for (;;) {
      auto end = in.find('\n');
      if (end == std::string::npos) {
        ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) return;
        in.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      std::string line = in.substr(0, end);
      in.erase(0, end + 1);
      long value = 0;
      if (std::sscanf(line.c_str(), "ACK %ld", &value) == 1) {
        std::lock_guard lock(mutex_);
        acked_.insert(value);
        pending_.reset();
        cv_.notify_all();
      } else if (std::sscanf(line.c_str(), "POLL %ld", &value) == 1) {
        if (!answerPoll(client, value)) return;
      } else {
        ADD_FAILURE() << "unexpected line from the receiver: '" << line << "'";
        return;
      }
    }
  }

  /// Sends the pending batch, or a new one; false when the connection is to be cut.
  bool answerPoll(int client, long max) {
    std::unique_lock lock(mutex_);
    if (!pending_) {
      cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return !events_.empty() || stop_; });
      Batch batch{++last_id_, {}};
      while (!events_.empty() && static_cast<long>(batch.events.size()) < max) {
        batch.events.push_back(events_.front());
        events_.pop_front();
      }
      pending_ = batch;
    }
    const Batch batch = *pending_;
    bool cut = cut_ == batch.id;
    if (cut) cut_ = -1;
    if (!cut) ++sends_[batch.id];
    lock.unlock();
    std::string reply =
        "BATCH " + std::to_string(batch.id) + " " + std::to_string(batch.events.size()) + "\n";
    for (std::size_t i = 0; i < batch.events.size() && (!cut || i < 1); ++i) {
      reply += batch.events[i] + "\n";
    }
    // A receiver that stops closes its connection at any moment: a failed send ends it here.
    if (::send(client, reply.data(), reply.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(reply.size())) {
      return false;
    }
    return !cut;
  }

  struct Batch {
    long id;
    std::vector<std::string> events;
  };

  int listen_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> events_;
  std::optional<Batch> pending_;
  std::set<long> acked_;
  std::map<long, int> sends_;
  long last_id_ = 0;
  long cut_ = -1;
  int client_ = -1;
  int connections_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

ember::Conf testConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("io_connector_recipe_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiverRestartDelay", "200ms");
  return conf;
}

class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

struct Collected {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<std::string>> byTime;
  std::vector<std::string> at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return byTime[t];
  }
};

std::shared_ptr<Collected> collect(const ember::DStream<std::string>& stream) {
  auto out = std::make_shared<Collected>();
  stream.foreachRDD([out](const ember::Rdd<std::string>& rdd, ember::Time t) {
    auto records = rdd.collect();
    std::lock_guard lock(out->mutex);
    out->byTime[t.milliseconds()] = records;
  });
  return out;
}

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> events;
  for (int i = from; i <= to; ++i) events.push_back("e" + std::to_string(i));
  return events;
}

TEST(ConnectorRecipe, EveryEventArrivesOnceInOrderAndEachBatchIsAcknowledgedOnceStored) {
  FakeSource source;
  source.add(numbered(1, 10));
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto receiver =
      std::make_shared<ember::examples::PollingSourceReceiver>("127.0.0.1", source.port(), 4);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  ASSERT_TRUE(source.awaitAck(3));  // batches of 4, 4 and 2
  ASSERT_TRUE(receiver->awaitRecordsStored(10, kTimeoutMs));
  auto t = ember_test::runBatch(ssc, kTimeoutMs);
  EXPECT_THAT(out->at(t), ElementsAreArray(numbered(1, 10)));
  // The receiver counts an acknowledgement after sending it: the source may have it first.
  EXPECT_TRUE(
      ember_test::pollUntil([&] { return receiver->acknowledgedBatches() >= 3; }, kTimeoutMs))
      << receiver->acknowledgedBatches() << " batches acknowledged";
  EXPECT_EQ(source.connections(), 1);
  ssc.stop();
}

TEST(ConnectorRecipe, AConnectionCutInTheMiddleOfABatchLosesNothingAndDuplicatesNothing) {
  FakeSource source;
  source.cutBatch(2);
  source.add(numbered(1, 9));
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto receiver =
      std::make_shared<ember::examples::PollingSourceReceiver>("127.0.0.1", source.port(), 3);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  ASSERT_TRUE(events.awaitEvents(
      "error: Error receiving data from 127.0.0.1:" + std::to_string(source.port()) +
          " / the source closed the connection",
      1));
  ASSERT_TRUE(source.awaitAck(3));
  ASSERT_TRUE(receiver->awaitRecordsStored(9, kTimeoutMs));
  auto t = ember_test::runBatch(ssc, kTimeoutMs);
  EXPECT_THAT(out->at(t), ElementsAreArray(numbered(1, 9)));  // batch 2 once, whole
  EXPECT_EQ(source.connections(), 2);
  EXPECT_EQ(source.sends()[2], 1);
  ssc.stop();
}

TEST(ConnectorRecipe, ASourceThatIsDownIsRetriedAndReportedUntilItIsUp) {
  const int port = ember_test::TestServer().port();  // free a moment ago, closed now
  EventLog events;
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  ssc.addStreamingListener(std::shared_ptr<EventLog>(&events, [](EventLog*) {}));
  auto receiver = std::make_shared<ember::examples::PollingSourceReceiver>("127.0.0.1", port);
  auto out = collect(ssc.receiverStream<std::string>(receiver));
  ssc.start();
  ASSERT_TRUE(
      events.awaitEvents("error: Error connecting to 127.0.0.1:" + std::to_string(port), 2));
  FakeSource source(port);
  source.add({"late"});
  ASSERT_TRUE(receiver->awaitRecordsStored(1, kTimeoutMs));
  auto t = ember_test::runBatch(ssc, kTimeoutMs);
  EXPECT_THAT(out->at(t), ElementsAreArray({"late"}));
  ssc.stop();
}

TEST(ConnectorRecipe, SettingsThatCannotWorkAreRefusedWhereTheyAreGiven) {
  using ember::examples::PollingSourceReceiver;
  EXPECT_THROW(PollingSourceReceiver("", 1), ember::IllegalArgumentError);
  EXPECT_THROW(PollingSourceReceiver("h", 0), ember::IllegalArgumentError);
  EXPECT_THROW(PollingSourceReceiver("h", 1, 0), ember::IllegalArgumentError);
}

}  // namespace
