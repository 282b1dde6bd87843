#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/engine.hpp"
#include "ember/streaming/clock.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember {

enum class StreamingContextState { INITIALIZED, ACTIVE, STOPPED };

namespace detail {

class DStreamNodeBase;
class NodeStateBase;
class OutputNode;
class InputNodeBase;
class ListenerBus;
class DStreamGraph;
class ReceiverTracker;
class JobScheduler;
class JobGenerator;
class Checkpointer;
struct LoadedCheckpoint;

/// The runtime behind a StreamingContext, in its parts (each in src/streaming/, named after
/// it): the DStreamGraph (the streams as data, by id), the ReceiverTracker (receivers and their
/// blocks), the JobGenerator (the clock's ticks turned into batches of jobs), the JobScheduler
/// (the threads that run them), the ListenerBus, and the runtime state of every stream, by
/// node id. What stream nodes, inputs and tests need of it is public here.
class StreamingCore {
 public:
  /// Throws IllegalArgumentError for a batch duration that is not positive or an unknown
  /// spark.streaming.clock.
  StreamingCore(Engine engine, Duration batch_duration);
  ~StreamingCore();
  StreamingCore(const StreamingCore&) = delete;
  StreamingCore& operator=(const StreamingCore&) = delete;

  Engine& engine() { return engine_; }
  const Conf& conf() const { return engine_.getConf(); }
  Duration batchDuration() const { return batch_duration_; }
  Clock& clock() { return *clock_; }
  ListenerBus& listenerBus() { return *bus_; }
  DStreamGraph& graph() { return *graph_; }
  StreamingContextState state() const;

  /// Throws IllegalStateError unless the context is still being defined.
  void checkCanAdd() const;
  int nextNodeId();
  /// The graph owns `node` (and its parents) from now on, by id.
  void adoptNode(const std::shared_ptr<DStreamNodeBase>& node);
  int addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input);
  int addOutputStream(std::shared_ptr<OutputNode> node);
  /// Throws IllegalArgumentError when the configuration does not allow a receiver: a block
  /// interval, block queue size or rate that is not allowed, or a bad backpressure setting.
  void checkReceiverConf() const;
  /// Throws as checkReceiverConf().
  void registerReceiver(int stream_id, std::shared_ptr<ReceiverBase> receiver);
  /// Backpressure's last published rate for receiver input stream `stream_id` (-1 before the
  /// first estimate); nothing without backpressure or such a stream.
  std::optional<std::int64_t> latestRate(int stream_id) const;
  /// The rate limit (records per second) in force for that stream's receiver; INT64_MAX when
  /// unlimited; nothing without such a stream.
  std::optional<std::int64_t> currentRateLimit(int stream_id) const;
  /// The blocks a receiver input stream got for batch `time` (allocated at that batch).
  std::vector<ReceivedBlock> blocksOfBatch(int stream_id, Time time);
  void reportInputInfo(Time time, StreamInputInfo info);
  /// What a receiver-less input stream could not reach for batch `time` (empty: it reached all
  /// of its source). Posts onInputStreamError when a problem starts or changes, and
  /// onInputStreamRecovered at the first batch without one. Thread-safe.
  void reportInputProblems(Time time, int stream_id, const std::string& name,
                           const std::string& problems);
  /// Throws IllegalStateError after start().
  void setRememberDuration(Duration duration);
  /// The runtime state of node `id`, made at start(); nullptr before start() or for an id the
  /// graph does not hold. Lock-free once started.
  NodeStateBase* nodeState(int id) const;

  /// Throws what start() would refuse the context for (stopped, no outputs, a bad
  /// spark.streaming.concurrentJobs) without starting anything.
  void checkCanStart() const;
  /// The directory checkpoints go to (StreamingContext::checkpoint). Throws IllegalStateError
  /// once the context started, IoError when the directory cannot be made.
  void setCheckpointDirectory(const std::string& directory);
  /// The checkpoint directory; nothing when the context does not checkpoint.
  std::optional<std::string> checkpointDirectory() const;
  /// Before start(): start() goes on from `checkpoint` (its zero time, input positions, data
  /// checkpoints, and the batches it left pending or missed) instead of starting afresh.
  void restoreFrom(std::unique_ptr<LoadedCheckpoint> checkpoint);
  bool restoredFromCheckpoint() const { return restore_ != nullptr; }
  /// Blocks until every metadata checkpoint taken so far was written; true at once when the
  /// context does not checkpoint. False after timeout_ms.
  bool awaitCheckpointsWritten(std::int64_t timeout_ms);

  /// Throws what checkCanStart() and the graph's validation throw; UnsupportedOperationError for
  /// an input that cannot be checkpointed in a context that checkpoints; what restoring a
  /// checkpoint throws. A second start() only warns.
  void start();
  void stop(bool stop_engine, bool gracefully);
  /// Blocks until stopped or an error was reported; rethrows the error. Returns false on timeout.
  bool awaitTermination(std::optional<std::int64_t> timeout_ms);
  /// Blocks until every batch up to `time` was processed (or failed, or the context stopped).
  /// Returns false on timeout.
  bool awaitBatchProcessed(Time time, std::int64_t timeout_ms);
  /// The error that the first failed batch reported, if any.
  std::exception_ptr firstError() const;
  /// Records a failed batch or job generation: logged, kept as firstError(), and rethrown by
  /// awaitTermination.
  void reportError(const std::string& what, std::exception_ptr error);

 private:
  struct Lifecycle;
  void clearMetadata(Time time);
  /// Drops the received blocks (and their log) no batch after `time` needs.
  void clearReceivedData(Time time);
  void batchGenerated(Time time);
  void batchDone(Time time);
  /// The first batch time, and the batches to run before it (a restart's), for start().
  std::pair<Time, std::vector<Time>> firstBatches(Time& zero);

  Engine engine_;
  Duration batch_duration_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<ListenerBus> bus_;
  std::unique_ptr<DStreamGraph> graph_;
  std::unique_ptr<ReceiverTracker> tracker_;
  std::unique_ptr<JobScheduler> scheduler_;
  std::unique_ptr<JobGenerator> generator_;
  std::unique_ptr<Lifecycle> lifecycle_;
  std::optional<std::string> checkpoint_dir_;   // set before start
  std::unique_ptr<LoadedCheckpoint> restore_;   // set before start
  std::unique_ptr<Checkpointer> checkpointer_;  // made by start(), read by the runtime's threads
  // The streams' runtime state by node id, published once by start() and never changed after.
  std::vector<std::unique_ptr<NodeStateBase>> node_states_;
  std::atomic<const std::vector<std::unique_ptr<NodeStateBase>>*> published_states_{nullptr};
};

}  // namespace detail
}  // namespace ember
