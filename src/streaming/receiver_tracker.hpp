#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/streaming/clock.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember::detail {

class ListenerBus;
class ReceiverSupervisor;
class ReceivedBlockLog;

/// The receivers of a context and what they received (Spark's ReceiverTracker and
/// ReceivedBlockTracker, with the InputInfoTracker): one supervisor per receiver input stream,
/// the blocks each batch was given, the input records of each batch, and the last state of each
/// receiver for the listeners. Thread-safe: receivers' threads post events, the job generator
/// allocates blocks, job threads read them.
class ReceiverTracker {
 public:
  ReceiverTracker(const Conf& conf, Clock& clock, ListenerBus& bus, Duration batch_interval);
  ~ReceiverTracker();
  ReceiverTracker(const ReceiverTracker&) = delete;
  ReceiverTracker& operator=(const ReceiverTracker&) = delete;

  const Conf& conf() const { return conf_; }
  /// The context's clock: blocks are cut and rates limited on it.
  Clock& clock() { return clock_; }

  /// Throws IllegalArgumentError when the configuration does not allow a receiver (block
  /// interval, queue size, rates, backpressure settings); registerReceiver() would throw it.
  void checkReceiverConf() const;
  /// Before start(): the receiver feeding input stream `stream_id`. Throws as
  /// checkReceiverConf().
  void registerReceiver(int stream_id, std::shared_ptr<ReceiverBase> receiver);
  /// Starts every receiver (outside any lock: starting posts events).
  void startReceivers();
  /// Stops every receiver; what they received stays for allocateBlocksToBatch().
  void stopReceivers(const std::string& message);
  /// Whether a receiver still holds data no batch took.
  bool hasUnallocatedBlocks();
  /// Ends the supervisors (after the last batch).
  void shutdown();

  /// Before the receivers start: every block is written to the write-ahead log under
  /// `checkpoint_directory` before it is stored, and each batch's allocation too. With `recover`,
  /// first puts back what the log holds: the blocks of the batches that took them, and those no
  /// batch took yet (for the next batch); without, deletes what an earlier run logged. Throws
  /// UnsupportedOperationError for a receiver whose records cannot be serialized, IoError when the
  /// log cannot be made or read.
  void enableWriteAheadLog(const std::string& checkpoint_directory, bool recover);

  /// Gives batch `time` every block received since the previous batch and records, per
  /// receiver input stream, how many records it brought. A batch that already has its blocks
  /// (recovered from the write-ahead log) keeps them. Throws IoError when the write-ahead log
  /// cannot record the allocation.
  void allocateBlocksToBatch(Time time);
  /// The blocks input stream `stream_id` was given at batch `time`.
  std::vector<ReceivedBlock> blocksOfBatch(int stream_id, Time time) const;
  /// Records what an input stream read for batch `time` (streams without receivers report here).
  void reportInputInfo(Time time, StreamInputInfo info);
  /// What a receiver-less input stream could not reach for batch `time` (empty: nothing). Posts
  /// an InputStreamError when the problems start or change, an InputStreamRecovered when they end.
  void reportInputProblems(Time time, int stream_id, const std::string& name,
                           const std::string& problems);
  /// What every input stream read for batch `time`, by input stream id.
  std::map<int, StreamInputInfo> inputInfos(Time time) const;
  /// After batch `info` finished (on the job thread that ran it): feeds the receivers' rate
  /// controllers.
  void onBatchCompleted(const BatchInfo& info);
  /// The rate the backpressure of input stream `stream_id` published last (records per second):
  /// -1 before the first estimate, nothing without backpressure or such a receiver.
  std::optional<std::int64_t> latestRate(int stream_id) const;
  /// The rate limit in force for the receiver of input stream `stream_id`, or nothing.
  std::optional<std::int64_t> currentRateLimit(int stream_id) const;
  /// Forgets blocks and input records of batches at or before `threshold`, and the write-ahead
  /// log's files that only they needed.
  void cleanupOldBatches(Time threshold);

  /// A receiver started, stopped, or reported an error (kind "started", "stopped", "error"); the
  /// event goes to the listeners with the receiver's last error kept, as Spark's ReceiverInfo.
  void postReceiverEvent(int stream_id, const std::string& name, const std::string& kind,
                         const std::string& message, const std::string& error);

 private:
  std::vector<ReceiverSupervisor*> supervisorsCopy() const;

  const Conf& conf_;
  Clock& clock_;
  ListenerBus& bus_;
  Duration batch_interval_;
  mutable std::mutex mutex_;
  std::map<int, std::unique_ptr<ReceiverSupervisor>> supervisors_;
  std::map<Time, std::map<int, std::vector<ReceivedBlock>>> allocated_;
  std::map<Time, std::map<int, StreamInputInfo>> input_infos_;
  std::map<int, ReceiverInfo> receiver_infos_;
  std::map<int, std::string> input_problems_;  // by stream id: the last ones posted
  std::unique_ptr<ReceivedBlockLog> log_;      // set before start, when the log is on
};

}  // namespace ember::detail
