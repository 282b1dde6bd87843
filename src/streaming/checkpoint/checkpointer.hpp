#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "checkpoint_metadata.hpp"
#include "checkpoint_writer.hpp"
#include "ember/core/engine.hpp"
#include "ember/streaming/duration.hpp"

namespace ember::detail {

class DStreamGraph;
class NodeStateBase;

/// Checkpointing of one running context (Spark's Checkpoint with the JobGenerator's checkpoint
/// steps): a metadata checkpoint after each batch is generated and after it completes, the data
/// checkpoints of the streams that have an interval, and, on a restart, putting back what a
/// checkpoint holds into the streams' states.
class Checkpointer {
 public:
  using StateOf = std::function<NodeStateBase*(int node_id)>;
  using ErrorReporter = CheckpointWriter::ErrorReporter;
  /// Called (on the writer's thread) once the checkpoint taken after a batch completed is
  /// written, with the oldest batch a restart may still start from (see
  /// CheckpointWriter::CompletedWritten).
  using BatchCheckpointed = std::function<void(Time time)>;

  /// After the graph started, with `zero` its zero time. Throws IoError when the directory
  /// cannot be written.
  Checkpointer(std::string directory, const Conf& conf, Engine engine, DStreamGraph& graph,
               Time zero, Duration batch, StateOf state_of, ErrorReporter report,
               BatchCheckpointed checkpointed = {});

  const std::string& directory() const { return directory_; }

  /// Puts back the input positions and data checkpoints `metadata` holds, before the first
  /// batch. Throws CheckpointError, IoError or SerializationError when a data checkpoint it
  /// refers to cannot be read.
  void restore(const CheckpointMetadata& metadata);

  /// The checkpoint of a fresh start (its zero time, no batch generated), written before this
  /// returns: a process killed before its first batch then restarts from it, and finds in the
  /// write-ahead log the blocks its receivers had stored and acknowledged. Returns false when it
  /// could not be written within timeout_ms (a failed write is also reported).
  bool writeInitial(std::int64_t timeout_ms);
  /// The metadata checkpoint after batch `time` was generated (the job generator's thread).
  void batchGenerated(Time time, std::set<Time> pending);
  /// The data checkpoints due at `time` (the job thread, after the batch's jobs). Errors are
  /// reported, not thrown.
  void writeDataCheckpoints(Time time);
  /// The metadata checkpoint after batch `time` completed (the job thread, after
  /// writeDataCheckpoints and the batch's metadata was cleared). `pending` reads the batches
  /// generated and not completed. It is called after the newest generated batch is read: the
  /// generator may generate a batch meanwhile, and a checkpoint that counted it as generated
  /// without seeing it pending would have a restart skip it.
  void batchCompleted(Time time, const std::function<std::set<Time>()>& pending);
  /// How long inputs keep what they received: twice the longest data checkpoint interval
  /// (Spark's), so that a restart finds the input of every batch after its data checkpoint.
  Duration inputRetention() const;
  /// Blocks until every checkpoint taken so far was written; false after timeout_ms.
  bool drain(std::int64_t timeout_ms) { return writer_.drain(timeout_ms); }

 private:
  CheckpointMetadata snapshot(Time time, std::set<Time> pending, std::int64_t last_generated_ms);
  void noteGenerated(Time time);

  std::string directory_;
  Engine engine_;
  DStreamGraph& graph_;
  Time zero_;
  Duration batch_;
  StateOf state_of_;
  ErrorReporter report_;
  std::map<std::string, std::string> conf_;
  std::vector<std::string> description_;
  std::string fingerprint_;
  std::vector<std::pair<int, Duration>> checkpointed_;  // node id -> data checkpoint interval
  std::vector<int> input_ids_;
  std::atomic<std::int64_t> last_generated_ms_{0};
  std::mutex refs_mutex_;
  std::map<int, std::vector<DataCheckpointRef>> refs_;  // guarded by refs_mutex_
  CheckpointWriter writer_;  // last: its thread ends before the rest goes
};

}  // namespace ember::detail
