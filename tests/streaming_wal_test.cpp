// The write-ahead log's files: records framed and synced, read back by handle or all in order, a
// torn tail ignored, old files deleted, and the received block log's replay after a crash.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "streaming/wal/received_block_log.hpp"
#include "streaming/wal/rolling_log.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using ember::detail::LogRecordHandle;
using ember::detail::ReceivedBlockLog;
using ember::detail::RollingLog;
using ember_test::TempDir;
using ::testing::ElementsAre;

std::vector<std::string> logFiles(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(RollingLog, RecordsComeBackByHandleAndInOrder) {
  TempDir dir;
  RollingLog log(dir.str(), 1000);
  std::vector<LogRecordHandle> handles;
  std::vector<std::string> records = {"one", std::string("t\0o", 3), "", std::string(70000, 'x')};
  for (std::size_t i = 0; i < records.size(); ++i) {
    handles.push_back(log.append(records[i], 100 + static_cast<std::int64_t>(i)));
  }
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(log.read(handles[i]), records[i]);
  EXPECT_EQ(log.readAll(), records);
  EXPECT_THAT(logFiles(dir / ""), ElementsAre("log-100-1100"));
}

TEST(RollingLog, RollsToANewFileEveryIntervalAndCleansOldOnes) {
  TempDir dir;
  RollingLog log(dir.str(), 1000);
  log.append("a", 0);
  log.append("b", 999);
  log.append("c", 1000);
  log.append("d", 2500);
  EXPECT_THAT(logFiles(dir / ""), ElementsAre("log-0-1000", "log-1000-2000", "log-2500-3500"));
  EXPECT_THAT(log.readAll(), ElementsAre("a", "b", "c", "d"));
  log.clean(2001);
  EXPECT_THAT(logFiles(dir / ""), ElementsAre("log-2500-3500"));
  EXPECT_THAT(log.readAll(), ElementsAre("d"));
  // The file being written is never deleted.
  log.clean(100000);
  EXPECT_THAT(log.readAll(), ElementsAre("d"));
}

TEST(RollingLog, ATornTailIsIgnoredAndACorruptRecordDetected) {
  TempDir dir;
  LogRecordHandle second;
  {
    RollingLog log(dir.str(), 60000);
    log.append("first", 0);
    second = log.append("second record", 1);
  }
  fs::path file = dir / "log-0-60000";
  auto size = fs::file_size(file);
  fs::resize_file(file, size - 3);  // a crash during the second append
  RollingLog reopened(dir.str(), 60000);
  EXPECT_THAT(reopened.readAll(), ElementsAre("first"));
  EXPECT_THROW(reopened.read(second), ember::CorruptCheckpointError);
  // A restarted log writes a file of its own, even at the same time: what it writes is never
  // hidden behind the torn record.
  reopened.append("third", 0);
  EXPECT_THAT(reopened.readAll(), ElementsAre("first", "third"));
}

TEST(RollingLog, AForeignOrNewerFileIsRefusedAndAnEmptyOneSkipped) {
  TempDir dir;
  {
    RollingLog log(dir.str(), 60000);
    log.append("kept", 0);
  }
  { std::ofstream(dir / "log-100-200", std::ios::binary) << ""; }  // created, never written
  RollingLog log(dir.str(), 60000);
  EXPECT_THAT(log.readAll(), ElementsAre("kept"));

  std::string whole;
  {
    std::ifstream in(dir / "log-0-60000", std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string future = whole;
  future[8] = 2;  // the version, after the 8-byte magic
  { std::ofstream(dir / "log-300-400", std::ios::binary) << future; }
  try {
    log.readAll();
    FAIL() << "a newer log file was read";
  } catch (const ember::CheckpointError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("log format version 2"));
  }
  { std::ofstream(dir / "log-300-400", std::ios::binary) << "PK\x03\x04 something else"; }
  try {
    log.readAll();
    FAIL() << "a foreign log file was read";
  } catch (const ember::CheckpointError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("not an ember log file"));
  }
}

TEST(ReceivedBlockLog, ReplayGivesAllocatedAndUnallocatedBlocks) {
  TempDir dir;
  {
    ReceivedBlockLog log(dir.str(), 60000);
    log.writeBlock(0, 0, 2, "block zero", 10);
    log.writeBlock(1, 1, 1, "block one", 20);
    log.logAllocation(1000, {{0, {0}}, {1, {1}}}, 1000);
    log.writeBlock(0, 2, 5, "block two", 1100);
    log.logAllocation(2000, {{0, {2}}}, 2000);
    log.writeBlock(0, 3, 1, "block three", 2100);  // stored, not yet in a batch
  }
  ReceivedBlockLog log(dir.str(), 60000);
  auto recovered = log.replay();
  EXPECT_EQ(recovered.next_block_id, 4);
  ASSERT_EQ(recovered.allocated.size(), 2u);
  ASSERT_EQ(recovered.allocated[1000][1].size(), 1u);
  EXPECT_EQ(recovered.allocated[1000][1][0].bytes, "block one");
  ASSERT_EQ(recovered.allocated[2000][0].size(), 1u);
  EXPECT_EQ(recovered.allocated[2000][0][0].block.num_records, 5);
  ASSERT_EQ(recovered.unallocated[0].size(), 1u);
  EXPECT_EQ(recovered.unallocated[0][0].bytes, "block three");

  log.cleanUp(1000, 3000);
  recovered = log.replay();
  EXPECT_EQ(recovered.allocated.size(), 1u);
  EXPECT_TRUE(recovered.allocated.contains(2000));
  // The blocks of the cleaned batch are not handed out again while their data file lasts.
  ASSERT_EQ(recovered.unallocated[0].size(), 1u);
  EXPECT_EQ(recovered.unallocated[0][0].block.block_id, 3);
  EXPECT_TRUE(recovered.unallocated[1].empty());
}

}  // namespace
