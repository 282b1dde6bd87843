// The block generator alone, on a manual clock: cuts on block-interval boundaries, no block for
// an empty interval, the bounded queue that makes single-record stores wait, flushes that keep
// the order of blocks, and a handler's failures. Waits are on condition variables with
// deadlines; `eventually` polls a condition with a deadline where the generator has nothing to
// wait on.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/error.hpp"
#include "ember/streaming/clock.hpp"
#include "streaming/block_generator.hpp"

namespace {

using ember::detail::BlockGenerator;
using ember::detail::ReceivedBlock;
using ::testing::ElementsAre;
using Records = std::vector<int>;

constexpr std::int64_t kTimeoutMs = 20'000;

bool eventually(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

/// What a Receiver<int> keeps: the records of single-record stores until they are cut.
class Buffer {
 public:
  void add(int x) {
    std::lock_guard lock(mutex_);
    records_.push_back(x);
  }
  std::optional<ReceivedBlock> cut() {
    std::lock_guard lock(mutex_);
    if (records_.empty()) return std::nullopt;
    auto n = static_cast<std::int64_t>(records_.size());
    ReceivedBlock block{std::make_shared<const Records>(std::move(records_)), n};
    records_ = {};
    return block;
  }

 private:
  std::mutex mutex_;
  Records records_;
};

/// A handler that records the blocks; optionally holds each call until released, or throws.
class RecordingHandler : public ember::detail::ReceivedBlockHandler {
 public:
  void storeBlock(const ReceivedBlock& block) override {
    std::unique_lock lock(mutex_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hold_; });
    if (fail_) throw std::runtime_error("disk full");
    blocks_.push_back(*static_cast<const Records*>(block.data.get()));
  }
  std::vector<Records> blocks() {
    std::lock_guard lock(mutex_);
    return blocks_;
  }
  void hold(bool on) {
    {
      std::lock_guard lock(mutex_);
      hold_ = on;
    }
    cv_.notify_all();
  }
  void fail(bool on) {
    std::lock_guard lock(mutex_);
    fail_ = on;
  }
  bool awaitEntered(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs), [&] { return entered_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool hold_ = false;
  bool fail_ = false;
  int entered_ = 0;
  std::vector<Records> blocks_;
};

struct Fixture {
  explicit Fixture(ember::Conf conf = {}) : conf_(std::move(conf)) {
    generator = std::make_unique<BlockGenerator>(
        conf_, clock, handler, [this] { return buffer.cut(); },
        [this](const std::string& message, std::exception_ptr) {
          std::lock_guard lock(errors_mutex);
          errors.push_back(message);
        });
  }
  ember::Conf conf_;
  ember::ManualClock clock{0};
  Buffer buffer;
  RecordingHandler handler;
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::unique_ptr<BlockGenerator> generator;
};

TEST(BlockGenerator, CutsOnIntervalBoundariesAndNotForEmptyIntervals) {
  Fixture f;  // blockInterval 200 ms
  f.generator->start();
  f.buffer.add(1);
  f.buffer.add(2);
  f.clock.advance(199);  // not yet a boundary
  f.clock.advance(1);
  ASSERT_TRUE(f.generator->awaitBlocksStored(1, kTimeoutMs));
  f.clock.advance(200);  // an empty interval
  f.buffer.add(3);
  f.clock.advance(200);
  ASSERT_TRUE(f.generator->awaitBlocksStored(2, kTimeoutMs));
  f.generator->stop();
  EXPECT_THAT(f.handler.blocks(), ElementsAre(Records{1, 2}, Records{3}));
  EXPECT_EQ(f.generator->numBlocksStored(), 2);
}

TEST(BlockGenerator, NothingIsCutBeforeTheClockReachesABoundary) {
  Fixture f;
  f.generator->start();
  f.buffer.add(1);
  f.clock.advance(150);
  EXPECT_FALSE(f.generator->awaitBlocksStored(1, 200));  // bounded check that nothing is cut
  f.generator->flush();  // what a batch does: everything stored so far
  EXPECT_THAT(f.handler.blocks(), ElementsAre(Records{1}));
}

TEST(BlockGenerator, TheBlockIntervalIsConfigurable) {
  ember::Conf conf;
  conf.set("spark.streaming.blockInterval", "1s");
  Fixture f(conf);
  EXPECT_EQ(f.generator->blockIntervalMs(), 1000);
  f.generator->start();
  f.buffer.add(1);
  f.clock.advance(999);
  EXPECT_FALSE(f.generator->awaitBlocksStored(1, 200));
  f.clock.advance(1);
  EXPECT_TRUE(f.generator->awaitBlocksStored(1, kTimeoutMs));
}

TEST(BlockGenerator, AFlushStoresTheBufferThenTheExtraBlockInOrder) {
  Fixture f;
  f.buffer.add(1);
  f.buffer.add(2);
  f.generator->flush(ReceivedBlock{std::make_shared<const Records>(Records{3, 4}), 2});
  // Stored when flush() returns: a multi-record store blocks until then.
  EXPECT_THAT(f.handler.blocks(), ElementsAre(Records{1, 2}, Records{3, 4}));
  EXPECT_EQ(f.generator->numBlocksStored(), 2);
}

TEST(BlockGenerator, AFullQueueMakesStoresWaitUntilABlockIsTaken) {
  ember::Conf conf;
  conf.set("spark.streaming.blockQueueSize", "2");
  Fixture f(conf);
  f.handler.hold(true);
  f.generator->start();
  // Block 1 is taken by the pushing thread, which the handler holds; blocks 2 and 3 fill the
  // queue.
  f.buffer.add(1);
  f.clock.advance(200);
  ASSERT_TRUE(f.handler.awaitEntered(1));
  for (int x : {2, 3}) {
    f.buffer.add(x);
    f.clock.advance(200);
    ASSERT_TRUE(eventually([&] { return f.generator->hasQueuedBlocks(); }));
  }
  ASSERT_TRUE(eventually([&] { return !f.generator->canPushNow(); }));
  std::stop_source never;
  auto store = std::async(std::launch::async, [&] { f.generator->waitToPush(never.get_token()); });
  EXPECT_EQ(store.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  f.handler.hold(false);
  ASSERT_EQ(store.wait_for(std::chrono::milliseconds(kTimeoutMs)), std::future_status::ready);
  f.generator->stop();
  EXPECT_THAT(f.handler.blocks(), ElementsAre(Records{1}, Records{2}, Records{3}));
}

TEST(BlockGenerator, AStoreWaitingForRoomReturnsWhenTheReceiverStops) {
  ember::Conf conf;
  conf.set("spark.streaming.blockQueueSize", "1");
  Fixture f(conf);
  f.handler.hold(true);
  f.generator->start();
  f.buffer.add(1);
  f.clock.advance(200);
  ASSERT_TRUE(f.handler.awaitEntered(1));
  f.buffer.add(2);
  f.clock.advance(200);
  ASSERT_TRUE(eventually([&] { return !f.generator->canPushNow(); }));
  std::stop_source receiver;
  auto store =
      std::async(std::launch::async, [&] { f.generator->waitToPush(receiver.get_token()); });
  receiver.request_stop();
  EXPECT_EQ(store.wait_for(std::chrono::milliseconds(kTimeoutMs)), std::future_status::ready);
  f.handler.hold(false);
}

TEST(BlockGenerator, AHandlerFailureForACutBlockIsReportedAndForAnExtraBlockThrown) {
  Fixture f;
  f.handler.fail(true);
  f.buffer.add(1);
  EXPECT_THROW(f.generator->flush(ReceivedBlock{std::make_shared<const Records>(Records{2}), 1}),
               std::runtime_error);
  std::lock_guard lock(f.errors_mutex);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0], "Error storing a block of 1 records");
  EXPECT_EQ(f.generator->numBlocksStored(), 0);
}

TEST(BlockGenerator, NonPositiveIntervalOrQueueSizeIsRefused) {
  for (auto [key, value] : {std::pair{"spark.streaming.blockInterval", "0"},
                            std::pair{"spark.streaming.blockQueueSize", "0"},
                            std::pair{"spark.streaming.blockQueueSize", "-2"}}) {
    ember::Conf conf;
    conf.set(key, value);
    try {
      Fixture f(conf);
      ADD_FAILURE() << key << " = " << value << " was accepted";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(key));
      EXPECT_THAT(e.what(), ::testing::HasSubstr("must be positive"));
    }
  }
}

}  // namespace
