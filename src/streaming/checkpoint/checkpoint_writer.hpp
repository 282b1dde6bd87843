#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>

#include "checkpoint_metadata.hpp"

namespace ember::detail {

/// Writes metadata checkpoints on its own thread, in the order they were taken (Spark's
/// CheckpointWriter), so that generating and finishing batches never wait on fsync. Keeps the
/// newest `retained` metadata files and deletes the data checkpoints none of them refers to. A
/// file that cannot be written is tried three times; then the error is reported (which ends
/// awaitTermination): a program that can no longer checkpoint has lost its way back after a
/// crash, and must not go on as if it had not. Thread-safe.
class CheckpointWriter {
 public:
  using ErrorReporter = std::function<void(const std::string& what, std::exception_ptr error)>;
  /// Called on the writer's thread once the checkpoint taken after a batch completed is on disk,
  /// with the oldest batch a restart may still start from: the oldest batch that this file, or
  /// any file a restart would prefer to it, counts as pending or as its own. What only batches
  /// before it need may go then.
  ///
  /// That is not always the completed batch: a checkpoint taken when a later batch was generated
  /// is newer by name, so a restart prefers it, yet it may have been written before this one,
  /// with a backlog of batches still pending; a restart from it computes those again, from the
  /// data checkpoints and received blocks they had then.
  using CompletedWritten = std::function<void(std::int64_t time_ms)>;

  /// `directory` exists. Reads what the metadata files already there refer to, so that their
  /// data checkpoints are kept as long as they are.
  CheckpointWriter(std::string directory, ErrorReporter report, std::size_t retained = 10,
                   CompletedWritten completed_written = {});
  /// Writes what is queued, then ends the thread.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  /// The directory data checkpoints go in (`<checkpoint>/data`); made by the constructor.
  const std::string& dataDirectory() const { return data_directory_; }

  /// Queues a checkpoint taken after batch `metadata.checkpoint_time_ms` was generated, or
  /// completed.
  void submit(CheckpointMetadata metadata, bool completed);
  /// Blocks until every checkpoint submitted so far was written (or given up on); false after
  /// timeout_ms.
  bool drain(std::int64_t timeout_ms);

 private:
  struct Pending {
    CheckpointMetadata metadata;
    bool completed = false;
  };

  void run(std::stop_token stop);
  void write(const Pending& pending);
  void cleanUp();

  std::string directory_;
  std::string data_directory_;
  ErrorReporter report_;
  std::size_t retained_;
  CompletedWritten completed_written_;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::deque<Pending> queue_;  // guarded by mutex_
  bool writing_ = false;       // guarded by mutex_
  /// What the writer knows of a kept metadata file.
  struct Kept {
    std::int64_t time_ms = 0;
    bool completed = false;
    std::int64_t oldest_batch_ms = 0;  // its oldest pending batch, or its own time
    std::set<std::string> refs;        // the data directories it refers to
  };
  /// The oldest batch a restart may start from once `path` is on disk (see CompletedWritten).
  std::int64_t oldestRestartBatch(const std::string& path) const;

  // Only the writer thread (and the constructor) touch this: each kept metadata file, by its
  // path.
  std::map<std::string, Kept> kept_;
  std::jthread thread_;
};

}  // namespace ember::detail
