#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "rolling_log.hpp"

namespace ember::detail {

/// A received block as the write-ahead log knows it: whose it is, how many records it holds, and
/// where its bytes are in the stream's data log.
struct LoggedBlock {
  int stream_id = 0;
  std::int64_t block_id = 0;
  std::int64_t num_records = 0;
  LogRecordHandle handle;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(stream_id, block_id, num_records, handle);
  }
};

/// The receivers' write-ahead log (Spark's WriteAheadLogBasedBlockHandler with the
/// ReceivedBlockTracker's event log): each block, with its id and record count, goes to
/// `<checkpoint>/receivedData/<streamId>/`, and the events that say which batch took which blocks
/// and which batches were cleaned up go to `<checkpoint>/receivedBlockMetadata/`. Both are
/// RollingLogs (synced before a write returns). A block costs one synced append: the data log
/// itself says which blocks exist (Spark also logs an event per block). After a crash, replay()
/// tells which blocks each batch had and which no batch took yet. Thread-safe.
class ReceivedBlockLog {
 public:
  /// Throws IoError when the log directories cannot be made.
  ReceivedBlockLog(const std::string& checkpoint_directory, std::int64_t rolling_interval_ms);

  /// A new block id (ids go on from the replayed log's).
  std::int64_t nextBlockId() { return next_block_id_.fetch_add(1); }
  void setNextBlockId(std::int64_t id) { next_block_id_.store(id); }

  /// Writes a block's bytes, then the event that it exists. Throws IoError.
  LoggedBlock writeBlock(int stream_id, std::int64_t block_id, std::int64_t num_records,
                         std::string_view bytes, std::int64_t now_ms);
  /// The bytes of a logged block. Throws IoError or CorruptCheckpointError.
  std::string readBlock(const LoggedBlock& block) const;
  /// Records that batch `time_ms` took these blocks (by stream). Throws IoError.
  void logAllocation(std::int64_t time_ms, const std::map<int, std::vector<std::int64_t>>& blocks,
                     std::int64_t now_ms);
  /// Records that batches at or before `threshold_ms` are done with, and deletes the log files
  /// that only they needed. Errors deleting are logged; a failed write throws IoError.
  void cleanUp(std::int64_t threshold_ms, std::int64_t now_ms);

  /// A block read back: where it was, and its bytes.
  struct RecoveredBlock {
    LoggedBlock block;
    std::string bytes;
  };
  struct Recovered {
    std::map<int, std::vector<RecoveredBlock>> unallocated;                        // by stream
    std::map<std::int64_t, std::map<int, std::vector<RecoveredBlock>>> allocated;  // by batch
    std::int64_t next_block_id = 0;
  };
  /// What the logs say, replayed in order, with every block still logged read back. Throws
  /// IoError.
  Recovered replay() const;

 private:
  RollingLog& dataLog(int stream_id);

  std::string data_root_;
  std::int64_t rolling_interval_ms_;
  RollingLog metadata_;
  mutable std::mutex mutex_;
  std::map<int, std::unique_ptr<RollingLog>> data_;  // guarded by mutex_
  std::atomic<std::int64_t> next_block_id_{0};
};

}  // namespace ember::detail
