#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ember::detail {

/// One data checkpoint of a stream: its RDD at `time_ms`, `partitions` checked files in the
/// checkpoint directory's `data/<directory>`.
struct DataCheckpointRef {
  std::int64_t time_ms = 0;
  std::string directory;
  int partitions = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(time_ms, directory, partitions);
  }
  friend bool operator==(const DataCheckpointRef&, const DataCheckpointRef&) = default;
};

/// What a metadata checkpoint holds (Spark's Checkpoint): enough for a new process running the
/// same program to go on where this one stopped. The graph itself is not in it (its closures are
/// code): only its description, which the restarted program's graph must match.
struct CheckpointMetadata {
  std::int64_t checkpoint_time_ms = 0;  // the batch whose generation or completion wrote it
  std::int64_t zero_time_ms = 0;
  std::int64_t batch_duration_ms = 0;
  std::int64_t last_generated_ms = 0;  // the newest batch generated when it was written
  std::map<std::string, std::string> conf;
  std::vector<std::string> graph;  // DStreamGraph::describe()
  std::string fingerprint;
  std::vector<std::int64_t> pending_ms;  // generated, not completed
  std::map<int, std::string> positions;  // input node id -> NodeStateBase::savePosition bytes
  std::map<int, std::vector<DataCheckpointRef>> data;  // node id -> its data checkpoints

  template <class Archive>
  void serialize(Archive& ar) {
    ar(checkpoint_time_ms, zero_time_ms, batch_duration_ms, last_generated_ms, conf, graph,
       fingerprint, pending_ms, positions, data);
  }

  /// The bytes of a checkpoint-<ms> file's payload.
  std::string encode() const;
  /// Throws CorruptCheckpointError when `bytes` do not decode.
  static CheckpointMetadata decode(const std::string& bytes, const std::string& path);
};

/// The name of the metadata checkpoint written for batch `time_ms` (Spark's checkpoint-<ms>, and
/// checkpoint-<ms>.bk for the second one of a batch: after its generation, then its completion).
std::string checkpointFileName(std::int64_t time_ms, bool completed);

/// The metadata checkpoints in `directory`, newest first (by batch time, a completion after the
/// generation of the same batch).
std::vector<std::string> checkpointFiles(const std::string& directory);

/// A metadata checkpoint read back, with the file it came from.
struct LoadedCheckpoint {
  CheckpointMetadata metadata;
  std::string path;
};

/// The newest metadata checkpoint of `directory` that reads whole. A torn, truncated or corrupt
/// file is skipped with a warning naming it, for the one before. Nothing when the directory has
/// no checkpoint file. Throws CheckpointError for a foreign or future-version file met before a
/// good one, and when every file is corrupt (naming them); IoError when the directory cannot be
/// listed.
std::optional<LoadedCheckpoint> readLatestCheckpoint(const std::string& directory);

/// Why a program whose graph describes itself as `now` cannot go on from a checkpoint whose graph
/// was `saved`: the first node (or input, output, remember line) that differs, with its id, its
/// kind and both descriptions. Nothing when they are the same.
std::optional<std::string> graphDifference(const std::vector<std::string>& saved,
                                           const std::vector<std::string>& now);

}  // namespace ember::detail
