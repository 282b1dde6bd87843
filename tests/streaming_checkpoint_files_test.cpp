// The files of a checkpoint directory: the checked file format (torn, truncated, altered,
// foreign and newer files), the choice of the newest readable checkpoint, the writer's
// retention, clean-up and failures, and the batches a completed batch's checkpoint counts.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/streaming/detail/checked_file.hpp"
#include "streaming/checkpoint/checkpoint_metadata.hpp"
#include "streaming/checkpoint/checkpoint_writer.hpp"
#include "streaming/checkpoint/checkpointer.hpp"
#include "streaming/dstream_graph.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using ember::CheckpointError;
using ember::CorruptCheckpointError;
using ember::detail::CheckedFileKind;
using ember::detail::readCheckedFile;
using ember::detail::writeCheckedFile;
using ember_test::readFile;
using ember_test::TempDir;
using ember_test::writeFile;
using ::testing::HasSubstr;

constexpr std::int64_t kTimeoutMs = 20'000;

// ---- The checked file format ------------------------------------------------------------------

TEST(CheckedFile, RoundTripsItsPayload) {
  TempDir dir;
  std::string payload("a\0b\xff payload", 12);
  writeCheckedFile((dir / "f").string(), CheckedFileKind::kMetadata, payload);
  EXPECT_EQ(readCheckedFile((dir / "f").string(), CheckedFileKind::kMetadata), payload);
  writeCheckedFile((dir / "f").string(), CheckedFileKind::kMetadata, "");
  EXPECT_EQ(readCheckedFile((dir / "f").string(), CheckedFileKind::kMetadata), "");
  // Nothing but the file is left: the temporary name was renamed.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(CheckedFile, DetectsTruncatedEmptyAndAlteredFilesAsCorrupt) {
  TempDir dir;
  std::string path = (dir / "f").string();
  writeCheckedFile(path, CheckedFileKind::kMetadata, std::string(1000, 'x'));
  std::string whole = readFile(path);

  for (std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{20}, whole.size() - 1}) {
    writeFile(path, whole.substr(0, keep));
    EXPECT_THROW(readCheckedFile(path, CheckedFileKind::kMetadata), CorruptCheckpointError)
        << "kept " << keep << " bytes";
  }
  std::string altered = whole;
  altered[500] ^= 0x01;
  writeFile(path, altered);
  try {
    readCheckedFile(path, CheckedFileKind::kMetadata);
    FAIL() << "an altered byte was not detected";
  } catch (const CorruptCheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr("checksum"));
    EXPECT_THAT(e.what(), HasSubstr(path));
  }
}

TEST(CheckedFile, RefusesForeignFutureAndOtherKindsWithoutCallingThemCorrupt) {
  TempDir dir;
  std::string path = (dir / "f").string();
  writeFile(path, "{\"not\": \"a checkpoint\"}");
  try {
    readCheckedFile(path, CheckedFileKind::kMetadata);
    FAIL() << "a foreign file was read";
  } catch (const CorruptCheckpointError&) {
    FAIL() << "a foreign file must not be taken for a torn one";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not an ember checkpoint file"));
  }

  writeCheckedFile(path, CheckedFileKind::kMetadata, "payload");
  std::string future = readFile(path);
  future[8] = static_cast<char>(ember::detail::kCheckedFileVersion + 1);
  writeFile(path, future);
  try {
    readCheckedFile(path, CheckedFileKind::kMetadata);
    FAIL() << "a future version was read";
  } catch (const CorruptCheckpointError&) {
    FAIL() << "a future version must not be taken for a torn file";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr("format version 2"));
  }

  writeCheckedFile(path, CheckedFileKind::kRddPartition, "payload");
  EXPECT_THROW(readCheckedFile(path, CheckedFileKind::kMetadata), CheckpointError);
}

TEST(CheckedFile, AWriteThatCannotHappenNamesTheFile) {
  TempDir dir;
  std::string path = (dir / "missing-dir" / "f").string();
  try {
    writeCheckedFile(path, CheckedFileKind::kMetadata, "x");
    FAIL() << "wrote into a missing directory";
  } catch (const ember::IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing-dir"));
  }
}

// ---- Choosing the checkpoint to recover from --------------------------------------------------

ember::detail::CheckpointMetadata metadataAt(std::int64_t ms) {
  ember::detail::CheckpointMetadata m;
  m.checkpoint_time_ms = ms;
  m.batch_duration_ms = 1000;
  m.graph = {"0 FileInputDStream parents=[] slide=1000 ms"};
  return m;
}

void writeMetadata(const TempDir& dir, std::int64_t ms, bool completed) {
  writeCheckedFile((dir / ember::detail::checkpointFileName(ms, completed)).string(),
                   CheckedFileKind::kMetadata, metadataAt(ms).encode());
}

TEST(CheckpointDirectory, TheNewestReadableCheckpointIsChosenAndACorruptOneSkipped) {
  TempDir dir;
  EXPECT_FALSE(ember::detail::readLatestCheckpoint((dir / "absent").string()));
  EXPECT_FALSE(ember::detail::readLatestCheckpoint(dir.path().string()));

  writeMetadata(dir, 9000, false);
  writeMetadata(dir, 9000, true);
  writeMetadata(dir, 10000, false);
  auto latest = ember::detail::readLatestCheckpoint(dir.path().string());
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->metadata.checkpoint_time_ms, 10000);

  // The newest torn: the one before it is used.
  fs::path newest = dir / ember::detail::checkpointFileName(10000, false);
  std::string bytes = readFile(newest);
  writeFile(newest, bytes.substr(0, bytes.size() / 2));
  latest = ember::detail::readLatestCheckpoint(dir.path().string());
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->path, (dir / "checkpoint-9000.bk").string());

  // Every one torn: an error naming them.
  for (const auto& name : {"checkpoint-9000", "checkpoint-9000.bk"}) writeFile(dir / name, "");
  try {
    ember::detail::readLatestCheckpoint(dir.path().string());
    FAIL() << "recovered from torn files";
  } catch (const CheckpointError& e) {
    EXPECT_THAT(e.what(), HasSubstr("checkpoint-9000.bk"));
  }
}

TEST(CheckpointDirectory, AForeignNewestFileIsRefusedNotSkipped) {
  TempDir dir;
  writeMetadata(dir, 9000, false);
  writeFile(dir / "checkpoint-10000", "PK\x03\x04 a zip file");
  EXPECT_THROW(ember::detail::readLatestCheckpoint(dir.path().string()), CheckpointError);
}

TEST(CheckpointDirectory, TheWriterKeepsTheNewestTenFilesAndTheDataTheyReferTo) {
  TempDir dir;
  std::vector<std::string> errors;
  {
    ember::detail::CheckpointWriter writer(
        dir.path().string(),
        [&](const std::string& what, std::exception_ptr) { errors.push_back(what); });
    for (int i = 1; i <= 15; ++i) {
      auto m = metadataAt(i * 1000);
      // Stream 2 is checkpointed every 4 batches; each file refers to the newest data.
      std::int64_t data_ms = (i / 4) * 4000;
      if (data_ms > 0) {
        std::string name = "stream-2-" + std::to_string(data_ms);
        fs::create_directories(dir / "data" / name);
        m.data[2].push_back({data_ms, name, 1});
      }
      writer.submit(m, false);
    }
    ASSERT_TRUE(writer.drain(kTimeoutMs));
  }
  EXPECT_TRUE(errors.empty());
  auto files = ember::detail::checkpointFiles(dir.path().string());
  ASSERT_EQ(files.size(), 10u);
  EXPECT_EQ(files.front(), (dir / "checkpoint-15000").string());
  EXPECT_EQ(files.back(), (dir / "checkpoint-6000").string());
  // Files 6..15 refer to data at 4 s, 8 s and 12 s; the data of 4 s is still referred to.
  EXPECT_TRUE(fs::exists(dir / "data" / "stream-2-4000"));
  EXPECT_TRUE(fs::exists(dir / "data" / "stream-2-12000"));
}

TEST(CheckpointDirectory, ACheckpointThatCannotBeWrittenIsReportedNotIgnored) {
  TempDir dir;
  std::vector<std::string> errors;
  std::mutex mutex;
  int attempts = 0;
  ember::detail::CheckpointWriter writer(
      dir.path().string(), [&](const std::string& what, std::exception_ptr error) {
        std::lock_guard lock(mutex);
        errors.push_back(what + ": " + ember::describeException(error));
      });
  // A full disk, as the write sees it: every write fails after the data went out.
  ember::detail::setCheckedFileWriteHook([&](const std::string&) {
    ++attempts;
    throw ember::IoError("cannot write: No space left on device");
  });
  writer.submit(metadataAt(1000), false);
  bool drained = writer.drain(kTimeoutMs);
  ember::detail::setCheckedFileWriteHook(nullptr);
  ASSERT_TRUE(drained);
  std::lock_guard lock(mutex);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("checkpoint-1000"));
  EXPECT_THAT(errors[0], HasSubstr("No space left on device"));
  EXPECT_EQ(attempts, 3);  // tried three times, as Spark
  // Nothing half-written is left behind.
  EXPECT_FALSE(fs::exists(dir / "checkpoint-1000"));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST(CheckpointDirectory, TheWriterTellsWhenACompletedBatchsCheckpointIsOnDisk) {
  // What a restart no longer needs (the received blocks in the write-ahead log) may only go once
  // the checkpoint taken after the batch completed is on disk, never when it is merely queued.
  TempDir dir;
  std::mutex mutex;
  std::vector<std::int64_t> told;
  std::vector<bool> on_disk;
  bool failing = false;
  ember::detail::CheckpointWriter writer(
      dir.path().string(), [](const std::string&, std::exception_ptr) {}, 10,
      [&](std::int64_t ms) {
        std::lock_guard lock(mutex);
        told.push_back(ms);
        on_disk.push_back(fs::exists(dir / ember::detail::checkpointFileName(ms, true)));
      });
  ember::detail::setCheckedFileWriteHook([&](const std::string&) {
    std::lock_guard lock(mutex);
    if (failing) throw ember::IoError("cannot write: No space left on device");
  });
  writer.submit(metadataAt(1000), false);  // generated: nothing to tell
  writer.submit(metadataAt(1000), true);
  ASSERT_TRUE(writer.drain(kTimeoutMs));
  {
    std::lock_guard lock(mutex);
    failing = true;
  }
  writer.submit(metadataAt(2000), true);  // never written: never told
  ASSERT_TRUE(writer.drain(kTimeoutMs));
  ember::detail::setCheckedFileWriteHook(nullptr);
  std::lock_guard lock(mutex);
  EXPECT_EQ(told, std::vector<std::int64_t>{1000});
  EXPECT_EQ(on_disk, std::vector<bool>{true});
}

ember::detail::CheckpointMetadata metadataAt(std::int64_t ms, std::vector<std::int64_t> pending) {
  auto m = metadataAt(ms);
  m.pending_ms = std::move(pending);
  return m;
}

/// A writer on `dir` that records the oldest batches it tells and the errors it reports.
struct TellingWriter {
  explicit TellingWriter(const TempDir& dir)
      : writer(
            dir.path().string(),
            [this](const std::string& what, std::exception_ptr) {
              std::lock_guard lock(mutex);
              errors.push_back(what);
            },
            10,
            [this](std::int64_t ms) {
              std::lock_guard lock(mutex);
              told.push_back(ms);
            }) {}

  std::mutex mutex;
  std::vector<std::int64_t> told;
  std::vector<std::string> errors;
  ember::detail::CheckpointWriter writer;  // last: stopped before what it writes to
};

TEST(CheckpointDirectory, ARestartsOldestBatchCountsTheBacklogOfANewerNamedCheckpoint) {
  // The checkpoint of batch 5 s generated is written while batches 3..5 s are pending; the
  // checkpoints of 3 s and 4 s completed come after it on disk, but a restart reads 5 s first
  // (newer by name) and computes 3..5 s again: the blocks of 3 s must stay until a checkpoint a
  // restart would prefer no longer needs them.
  TempDir dir;
  TellingWriter w(dir);
  w.writer.submit(metadataAt(5000, {3000, 4000, 5000}), false);
  w.writer.submit(metadataAt(3000, {4000, 5000}), true);
  w.writer.submit(metadataAt(4000, {5000}), true);
  w.writer.submit(metadataAt(6000, {5000, 6000}), false);
  w.writer.submit(metadataAt(5000, {6000}), true);
  w.writer.submit(metadataAt(6000, {}), true);
  ASSERT_TRUE(w.writer.drain(kTimeoutMs));
  std::lock_guard lock(w.mutex);
  EXPECT_TRUE(w.errors.empty());
  EXPECT_EQ(w.told, (std::vector<std::int64_t>{3000, 3000, 5000, 6000}));
}

TEST(CheckpointDirectory, ACompletedCheckpointOlderThanTheKeptFilesIsStillTold) {
  // A backlog of twelve batches: their generated checkpoints are newer than the completion of the
  // first, which is deleted as soon as it is written; the restart's oldest batch is still told.
  TempDir dir;
  TellingWriter w(dir);
  std::vector<std::int64_t> pending;
  for (std::int64_t ms = 1000; ms <= 12000; ms += 1000) {
    pending.push_back(ms);
    w.writer.submit(metadataAt(ms, pending), false);
  }
  w.writer.submit(metadataAt(1000, {pending.begin() + 1, pending.end()}), true);
  ASSERT_TRUE(w.writer.drain(kTimeoutMs));
  std::lock_guard lock(w.mutex);
  EXPECT_TRUE(w.errors.empty()) << w.errors.front();
  EXPECT_EQ(w.told, std::vector<std::int64_t>{1000});
  EXPECT_FALSE(fs::exists(dir / ember::detail::checkpointFileName(1000, true)));
}

TEST(CheckpointDirectory, ARestartedWriterKnowsTheBacklogOfTheFilesAlreadyThere) {
  TempDir dir;
  writeCheckedFile((dir / ember::detail::checkpointFileName(5000, false)).string(),
                   CheckedFileKind::kMetadata, metadataAt(5000, {3000, 4000, 5000}).encode());
  TellingWriter w(dir);
  w.writer.submit(metadataAt(4000), true);
  w.writer.submit(metadataAt(7000), true);
  ASSERT_TRUE(w.writer.drain(kTimeoutMs));
  std::lock_guard lock(w.mutex);
  EXPECT_EQ(w.told, (std::vector<std::int64_t>{3000, 7000}));
}

// ---- The checkpointer's view of pending batches -----------------------------------------------

TEST(Checkpointer, ACompletedBatchsCheckpointHasPendingEveryBatchItCountsAsGenerated) {
  // The job thread completes 1 s while the generator generates 1.1 s. A restart from the
  // checkpoint of 1 s completed computes again its pending batches and those after its newest
  // generated one; a batch it counts as generated but not as pending would never run again.
  TempDir dir;
  ember::Conf conf;
  ember::Engine engine("local[1]", "checkpointer-test");
  ember::detail::DStreamGraph graph;
  std::vector<std::string> errors;
  ember::detail::Checkpointer checkpointer(
      dir.path().string(), conf, engine, graph, ember::Time(0), ember::Milliseconds(100),
      [](int) { return nullptr; },
      [&](const std::string& what, std::exception_ptr) { errors.push_back(what); });
  checkpointer.batchGenerated(ember::Time(1000), {ember::Time(1000)});
  checkpointer.batchCompleted(ember::Time(1000), [&] {
    // The scheduler's pending batches are read, and right after the generator submits 1.1 s
    // and notes it generated.
    std::set<ember::Time> pending = {ember::Time(1000)};
    checkpointer.batchGenerated(ember::Time(1100), {ember::Time(1000), ember::Time(1100)});
    return pending;
  });
  ASSERT_TRUE(checkpointer.drain(kTimeoutMs));
  EXPECT_THAT(errors, ::testing::IsEmpty());
  // The process dies before the checkpoint of 1.1 s generated is on disk.
  fs::remove(dir / ember::detail::checkpointFileName(1100, false));
  auto loaded = ember::detail::readLatestCheckpoint(dir.path().string());
  ASSERT_TRUE(loaded.has_value());
  const auto& m = loaded->metadata;
  EXPECT_EQ(m.checkpoint_time_ms, 1000);
  bool pending = std::find(m.pending_ms.begin(), m.pending_ms.end(), 1100) != m.pending_ms.end();
  EXPECT_TRUE(pending || m.last_generated_ms < 1100)
      << "1.1 s is counted as generated (newest " << m.last_generated_ms
      << " ms) and is not pending";
}

}  // namespace
