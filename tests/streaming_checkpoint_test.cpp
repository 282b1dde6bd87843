// Recovery in one process, on the manual clock: the validation of checkpoint intervals, and
// getOrCreate going on from a checkpoint (state, input positions, pending and down-time batches)
// or refusing one it cannot use. Crashes of real processes are in checkpoint_crash_test.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "streaming/checkpoint/checkpoint_metadata.hpp"
#include "streaming/dstream_graph.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using ember::CheckpointError;
using ember_test::TempDir;
using ::testing::HasSubstr;

constexpr std::int64_t kTimeoutMs = 20'000;
constexpr std::int64_t kStart = 10'000;  // the manual clock at the first start()
using Counts = std::map<std::string, int>;

// ---- A word count with state over a file stream, stopped and recovered ------------------------

/// What the program's output saw: the state after each batch.
struct Observed {
  std::mutex mutex;
  std::map<std::int64_t, Counts> states;
  std::vector<std::int64_t> runs;  // batch times in the order their outputs ran

  Counts at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return states[t];
  }
};

/// The guide's stateful word count, reading files; checkpoints to `checkpoint`.
struct WordCountProgram {
  std::string input;
  std::string checkpoint;
  std::shared_ptr<Observed> observed = std::make_shared<Observed>();
  int window_seconds = 0;  // > 0: the counts of a window are output as well (a graph change)
  std::int64_t manual_jump_ms = 0;
  std::int64_t state_checkpoint_ms = 2000;
  int partitions = 2;  // of the state

  std::unique_ptr<ember::StreamingContext> operator()() const {
    ember::Conf conf;
    conf.setMaster("local[2]").setAppName("streaming_checkpoint_test");
    conf.set("spark.streaming.clock", "ManualClock");
    conf.set("spark.streaming.manualClock.jump", std::to_string(manual_jump_ms));
    auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Seconds(1));
    ssc->checkpoint(checkpoint);
    auto words = ssc->textFileStream(input).flatMap(
        [](const std::string& line) { return ember::split(line, ' '); });
    auto pairs = words.map([](std::string w) { return std::pair{std::move(w), 1}; });
    auto counts = pairs.updateStateByKey(
        [](const std::vector<int>& values, const std::optional<int>& state) {
          int sum = state.value_or(0);
          for (int v : values) sum += v;
          return std::optional<int>(sum);
        },
        partitions);
    counts.checkpoint(ember::Milliseconds(state_checkpoint_ms));
    if (window_seconds > 0) {
      pairs.window(ember::Seconds(window_seconds)).count().print();
    }
    auto out = observed;
    counts.foreachRDD([out](const ember::Rdd<std::pair<std::string, int>>& rdd, ember::Time t) {
      auto rows = rdd.collect();
      std::lock_guard lock(out->mutex);
      out->states[t.milliseconds()] = Counts(rows.begin(), rows.end());
      out->runs.push_back(t.milliseconds());
    });
    return ssc;
  }
};

/// Input directory with files named after the batch that must take them.
class Inputs {
 public:
  explicit Inputs(const TempDir& dir) : staging_(dir / "staging"), watched_(dir / "in") {
    fs::create_directories(staging_);
    fs::create_directories(watched_);
  }
  std::string watched() const { return watched_.string(); }
  /// A file of `words` that batch `batch_ms` takes (its mtime just before the batch).
  void add(std::int64_t batch_ms, const std::string& words) {
    fs::path staged = staging_ / ("f" + std::to_string(batch_ms));
    {
      std::ofstream out(staged);
      out << words << "\n";
    }
    std::int64_t mtime = batch_ms - 500;
    timespec times[2];
    times[0] = times[1] = timespec{static_cast<time_t>(mtime / 1000), (mtime % 1000) * 1'000'000};
    ::utimensat(AT_FDCWD, staged.c_str(), times, 0);
    fs::rename(staged, watched_ / staged.filename());
  }

 private:
  fs::path staging_;
  fs::path watched_;
};

const std::vector<std::string> kBatchWords = {"a b", "b c", "c c d", "a", "e f a", "b", "g a a"};

/// Adds the words of batch i (1-based) for the batch at kStart + i s.
void addBatch(Inputs& inputs, int i) {
  inputs.add(kStart + i * 1000, kBatchWords[static_cast<std::size_t>(i - 1)]);
}

ember::ManualClock& manual(ember::StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

void runBatches(ember::StreamingContext& ssc, int n) {
  for (int i = 0; i < n; ++i) {
    manual(ssc).advance(1000);
    ASSERT_TRUE(
        ssc.core().awaitBatchProcessed(ember::Time(manual(ssc).getTimeMillis()), kTimeoutMs));
  }
}

/// The state after batch `batches` of a run that never stopped.
Counts uninterrupted(int batches) {
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  for (int i = 1; i <= batches; ++i) addBatch(inputs, i);
  auto ssc = program();
  manual(*ssc).setTime(kStart);
  ssc->start();
  runBatches(*ssc, batches);
  ssc->stop();
  return program.observed->at(kStart + batches * 1000);
}

TEST(Recovery, TheStateGoesOnFromTheCheckpointAfterARestart) {
  const Counts expected = uninterrupted(7);
  ASSERT_EQ(expected,
            (Counts{{"a", 5}, {"b", 3}, {"c", 3}, {"d", 1}, {"e", 1}, {"f", 1}, {"g", 1}}));
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  for (int i = 1; i <= 7; ++i) addBatch(inputs, i);
  {
    auto ssc = ember::StreamingContext::getOrCreate(program.checkpoint, program);
    manual(*ssc).setTime(kStart);
    ssc->start();
    runBatches(*ssc, 5);
    ssc->stop();
  }
  EXPECT_TRUE(fs::exists(dir / "ckpt" / "checkpoint-15000.bk"));
  // The files of the batches up to the last data checkpoint (14 s) are gone: the state can only
  // come back from that checkpoint, not by reading its input again.
  for (int i = 1; i <= 4; ++i)
    fs::remove(fs::path(inputs.watched()) / ("f" + std::to_string(kStart + i * 1000)));

  WordCountProgram again = program;
  again.observed = std::make_shared<Observed>();
  auto ssc = ember::StreamingContext::getOrCreate(again.checkpoint, again);
  ssc->start();
  // The manual clock starts where the checkpoint was taken.
  EXPECT_EQ(manual(*ssc).getTimeMillis(), kStart + 5000);
  runBatches(*ssc, 2);
  ssc->stop();
  EXPECT_EQ(again.observed->at(kStart + 7000), expected);
  // Nothing ran twice: the last checkpoint had no pending batch.
  EXPECT_EQ(again.observed->runs, (std::vector<std::int64_t>{kStart + 6000, kStart + 7000}));
}

TEST(Recovery, BatchesOfTheDownTimeRunFirstInTimeOrder) {
  const Counts expected = uninterrupted(7);
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  for (int i = 1; i <= 7; ++i) addBatch(inputs, i);
  {
    auto ssc = ember::StreamingContext::getOrCreate(program.checkpoint, program);
    manual(*ssc).setTime(kStart);
    ssc->start();
    runBatches(*ssc, 3);
    ssc->stop();
  }
  // Down for 3 s: the clock resumes 3 s after the checkpoint, so batches 4 and 5 ran while the
  // process was down and 6 is the first new one.
  WordCountProgram again = program;
  again.observed = std::make_shared<Observed>();
  again.manual_jump_ms = 2500;
  auto ssc = ember::StreamingContext::getOrCreate(again.checkpoint, again);
  ssc->start();
  ASSERT_TRUE(ssc->core().awaitBatchProcessed(ember::Time(kStart + 5000), kTimeoutMs));
  manual(*ssc).advance(500);
  runBatches(*ssc, 1);  // batches 6 and 7
  ssc->stop();
  EXPECT_EQ(again.observed->at(kStart + 7000), expected);
  EXPECT_EQ(again.observed->runs, (std::vector<std::int64_t>{kStart + 4000, kStart + 5000,
                                                             kStart + 6000, kStart + 7000}));
}

TEST(Recovery, ABatchPendingAtTheFailureRunsAgainWithTheFilesItTook) {
  const Counts expected = uninterrupted(5);
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  for (int i = 1; i <= 5; ++i) addBatch(inputs, i);
  // The output of batch 3 blocks until the checkpoint directory was copied: the copy is what a
  // crash during batch 3 would leave.
  std::mutex mutex;
  std::condition_variable cv;
  bool copied = false;
  bool blocked = false;
  fs::path crashed = dir / "crashed";
  {
    auto ssc = ember::StreamingContext::getOrCreate(program.checkpoint, [&] {
      auto made = program();
      made->textFileStream(inputs.watched())
          .foreachRDD([&](const ember::Rdd<std::string>&, ember::Time t) {
            if (t.milliseconds() != kStart + 3000) return;
            std::unique_lock lock(mutex);
            blocked = true;
            cv.notify_all();
            cv.wait_for(lock, std::chrono::milliseconds(kTimeoutMs), [&] { return copied; });
          });
      return made;
    });
    manual(*ssc).setTime(kStart);
    ssc->start();
    runBatches(*ssc, 2);
    manual(*ssc).advance(1000);
    {
      std::unique_lock lock(mutex);
      ASSERT_TRUE(
          cv.wait_for(lock, std::chrono::milliseconds(kTimeoutMs), [&] { return blocked; }));
    }
    ASSERT_TRUE(ssc->core().awaitCheckpointsWritten(kTimeoutMs));
    fs::copy(dir / "ckpt", crashed, fs::copy_options::recursive);
    {
      std::lock_guard lock(mutex);
      copied = true;
    }
    cv.notify_all();
    ssc->stop();
  }
  // The same program: one more output over the file stream, as above, but not blocking.
  WordCountProgram again = program;
  again.checkpoint = crashed.string();
  again.observed = std::make_shared<Observed>();
  auto ssc = ember::StreamingContext::getOrCreate(again.checkpoint, [&] {
    auto made = again();
    made->textFileStream(inputs.watched()).foreachRDD([](const ember::Rdd<std::string>&) {});
    return made;
  });
  ssc->start();
  runBatches(*ssc, 2);
  ssc->stop();
  ASSERT_FALSE(again.observed->runs.empty());
  EXPECT_EQ(again.observed->runs.front(), kStart + 3000);
  EXPECT_EQ(again.observed->at(kStart + 3000), (Counts{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 1}}));
  EXPECT_EQ(again.observed->at(kStart + 5000), expected);
}

TEST(Recovery, AGraphOfAnotherShapeIsRefusedNamingTheFirstStreamThatDiffers) {
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  program.window_seconds = 3;
  {
    auto ssc = ember::StreamingContext::getOrCreate(program.checkpoint, program);
    manual(*ssc).setTime(kStart);
    ssc->start();
    runBatches(*ssc, 2);
    ssc->stop();
  }
  WordCountProgram changed = program;
  changed.window_seconds = 4;
  try {
    ember::StreamingContext::getOrCreate(changed.checkpoint, changed);
    FAIL() << "a changed window length was accepted";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr("WindowedDStream"));
    EXPECT_THAT(e.what(), HasSubstr("3000 ms"));
    EXPECT_THAT(e.what(), HasSubstr("4000 ms"));
  }
  WordCountProgram repartitioned = program;
  repartitioned.partitions = 3;
  try {
    ember::StreamingContext::getOrCreate(repartitioned.checkpoint, repartitioned);
    FAIL() << "a changed partition count was accepted";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr("StateDStream"));
    EXPECT_THAT(e.what(), HasSubstr("numPartitions 3"));
  }
  WordCountProgram removed = program;
  removed.window_seconds = 0;
  EXPECT_THROW(ember::StreamingContext::getOrCreate(removed.checkpoint, removed), CheckpointError);
  // createOnError: a new context instead.
  auto fresh = ember::StreamingContext::getOrCreate(changed.checkpoint, changed, true);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->getState(), ember::StreamingContextState::INITIALIZED);
}

TEST(Recovery, AForeignCheckpointIsRefusedUnlessCreateOnError) {
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  fs::create_directories(dir / "ckpt");
  ember_test::writeFile(dir / "ckpt" / "checkpoint-5000", "not ours");
  int calls = 0;
  auto counting = [&] {
    ++calls;
    return program();
  };
  EXPECT_THROW(ember::StreamingContext::getOrCreate(program.checkpoint, counting), CheckpointError);
  EXPECT_EQ(calls, 0);
  auto ssc = ember::StreamingContext::getOrCreate(program.checkpoint, counting, true);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(ssc);
}

TEST(Recovery, OldDataCheckpointsAreDeleted) {
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  program.state_checkpoint_ms = 1000;
  auto ssc = program();
  manual(*ssc).setTime(kStart);
  ssc->start();
  runBatches(*ssc, 20);
  ssc->stop();
  std::size_t data_dirs = 0;
  for (const auto& entry : fs::directory_iterator(dir / "ckpt" / "data")) {
    (void)entry;
    ++data_dirs;
  }
  // Ten metadata files refer to at most the last ten or so data checkpoints of 20.
  EXPECT_GE(data_dirs, 1u);
  EXPECT_LE(data_dirs, 12u);
  EXPECT_EQ(ember::detail::checkpointFiles((dir / "ckpt").string()).size(), 10u);
}

// ---- Validation at start ----------------------------------------------------------------------

ember::Conf manualConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("streaming_checkpoint_test");
  conf.set("spark.streaming.clock", "ManualClock");
  return conf;
}

TEST(CheckpointInterval, MustBeAMultipleOfTheSlideAndNeedsADirectory) {
  TempDir dir;
  auto build = [&](std::int64_t interval_ms, bool with_directory) {
    auto ssc = std::make_unique<ember::StreamingContext>(manualConf(), ember::Seconds(2));
    if (with_directory) ssc->checkpoint((dir / "ckpt").string());
    auto stream = ssc->textFileStream((dir / "in").string());
    stream.checkpoint(ember::Milliseconds(interval_ms));
    stream.foreachRDD([](const ember::Rdd<std::string>&) {});
    return ssc;
  };
  auto refusal = [&](std::int64_t interval_ms, bool with_directory) -> std::string {
    auto ssc = build(interval_ms, with_directory);
    try {
      ssc->start();
    } catch (const ember::IllegalArgumentError& e) {
      return e.what();
    }
    ssc->stop();
    return "";
  };
  EXPECT_THAT(refusal(3000, true), HasSubstr("not a multiple of its slide duration 2000 ms"));
  EXPECT_THAT(refusal(3000, true), HasSubstr("3000 ms"));
  EXPECT_THAT(refusal(1000, true), HasSubstr("shorter than its slide duration 2000 ms"));
  EXPECT_THAT(refusal(4000, false), HasSubstr("checkpoint directory has not been set"));
  EXPECT_EQ(refusal(4000, true), "");
}

TEST(CheckpointInterval, DefaultsAreSparks) {
  auto ssc = std::make_unique<ember::StreamingContext>(manualConf(), ember::Seconds(3));
  TempDir dir;
  auto pairs = ssc->textFileStream((dir / "in").string()).map([](std::string s) {
    return std::pair{std::move(s), 1};
  });
  auto counts = pairs.updateStateByKey([](const std::vector<int>& v, const std::optional<int>& s) {
    return std::optional<int>(s.value_or(0) + static_cast<int>(v.size()));
  });
  counts.print();
  ssc->start();
  auto graph = ssc->core().graph().nodes();
  bool found = false;
  for (const auto& node : graph) {
    if (node->name() == "StateDStream") {
      found = true;
      ASSERT_TRUE(node->effectiveCheckpointInterval());
      EXPECT_EQ(node->effectiveCheckpointInterval()->milliseconds(), 12000);  // 4 x 3 s >= 10 s
    } else if (node->name() == "FileInputDStream") {
      EXPECT_FALSE(node->effectiveCheckpointInterval());
    }
  }
  EXPECT_TRUE(found);
  ssc->stop();
}

TEST(CheckpointInterval, AQueueStreamRefusesToRunInAContextThatCheckpoints) {
  TempDir dir;
  auto ssc = std::make_unique<ember::StreamingContext>(manualConf(), ember::Seconds(1));
  ssc->checkpoint((dir / "ckpt").string());
  ssc->queueStream(std::vector<ember::Rdd<int>>{}).print();
  try {
    ssc->start();
    FAIL() << "a queue stream started in a context that checkpoints";
  } catch (const ember::UnsupportedOperationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("queueStream doesn't support checkpointing"));
  }
}

TEST(WriteAheadLog, IsRefusedWithoutACheckpointDirectory) {
  ember::Conf conf = manualConf();
  conf.set("spark.streaming.receiver.writeAheadLog.enable", "true");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.socketTextStream("127.0.0.1", 9).print();
  try {
    ssc.start();
    FAIL() << "the write-ahead log started without a checkpoint directory";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("without checkpoint directory"));
  }
}

/// A receiver of records that cannot be serialized, which never receives anything.
struct Opaque {
  int value = 0;
};
class OpaqueReceiver final : public ember::Receiver<Opaque> {
 public:
  OpaqueReceiver() : ember::Receiver<Opaque>(ember::StorageLevel::MEMORY_ONLY) {}
  void onStart() override {}
  void onStop() override {}
};

TEST(WriteAheadLog, NeedsRecordsItCanWrite) {
  TempDir dir;
  ember::Conf conf = manualConf();
  conf.set("spark.streaming.receiver.writeAheadLog.enable", "true");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.checkpoint((dir / "ckpt").string());
  ssc.receiverStream(std::make_shared<OpaqueReceiver>()).foreachRDD([](const ember::Rdd<Opaque>&) {
  });
  try {
    ssc.start();
    FAIL() << "the write-ahead log took records it cannot write";
  } catch (const ember::UnsupportedOperationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not serializable"));
  }
}

/// A receiver the test stores through; onStart() tells when it runs.
class StoreByHand final : public ember::Receiver<std::string> {
 public:
  StoreByHand() : ember::Receiver<std::string>(ember::StorageLevel::MEMORY_AND_DISK_SER) {}
  void onStart() override {
    std::lock_guard lock(mutex_);
    started_ = true;
    cv_.notify_all();
  }
  void onStop() override {}
  bool awaitStarted() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs), [&] { return started_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool started_ = false;
};

TEST(WriteAheadLog, BlocksStoredBeforeTheFirstBatchSurviveARestart) {
  // A reliable receiver acknowledges a block once store() returned. Stopped before its first
  // batch, with no batch's checkpoint written, the program must still find that block when it
  // starts again from the same directory, not start afresh and discard the log.
  TempDir dir;
  const std::string checkpoint = (dir / "ckpt").string();
  auto outputs = std::make_shared<Observed>();
  std::shared_ptr<StoreByHand> receiver;
  auto create = [&] {
    ember::Conf conf = manualConf();
    conf.set("spark.streaming.receiver.writeAheadLog.enable", "true");
    auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Seconds(1));
    ssc->checkpoint(checkpoint);
    receiver = std::make_shared<StoreByHand>();
    ssc->receiverStream(receiver).countByValue().foreachRDD(
        [outputs](const ember::Rdd<std::pair<std::string, long>>& rdd, ember::Time t) {
          Counts counts;
          for (const auto& [word, n] : rdd.collect()) counts[word] = static_cast<int>(n);
          std::lock_guard lock(outputs->mutex);
          outputs->states[t.milliseconds()] = counts;
        });
    return ssc;
  };
  {
    auto ssc = ember::StreamingContext::getOrCreate(checkpoint, create);
    manual(*ssc).setTime(kStart);
    ssc->start();
    ASSERT_TRUE(receiver->awaitStarted());
    receiver->store(std::vector<std::string>{"acked", "acked", "too"});
    ssc->stop();
  }
  auto ssc = ember::StreamingContext::getOrCreate(checkpoint, create);
  ssc->start();
  const std::int64_t first = manual(*ssc).getTimeMillis() + 1000;
  runBatches(*ssc, 1);
  ssc->stop();
  EXPECT_EQ(outputs->at(first), (Counts{{"acked", 2}, {"too", 1}}));
}

TEST(Recovery, GetActiveOrCreateGoesOnFromTheCheckpointOnce) {
  TempDir dir;
  Inputs inputs(dir);
  WordCountProgram program{inputs.watched(), (dir / "ckpt").string()};
  addBatch(inputs, 1);
  {
    auto ssc = program();
    manual(*ssc).setTime(kStart);
    ssc->start();
    runBatches(*ssc, 1);
    ssc->stop();
  }
  int calls = 0;
  auto counting = [&] {
    ++calls;
    return program();
  };
  ember::StreamingContext& ssc =
      ember::StreamingContext::getActiveOrCreate(program.checkpoint, counting);
  EXPECT_TRUE(ssc.restoredFromCheckpoint());
  ssc.start();
  // Now active: the same context, without calling the factory again.
  EXPECT_EQ(&ember::StreamingContext::getActiveOrCreate(program.checkpoint, counting), &ssc);
  EXPECT_EQ(calls, 1);
  ssc.stop();
}

}  // namespace
