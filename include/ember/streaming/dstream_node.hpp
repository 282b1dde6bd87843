#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/ops/detach.hpp"
#include "ember/core/ops/persist.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/storage_level.hpp"
#include "ember/streaming/detail/node_state.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/job.hpp"

namespace ember {

class StreamingContext;

namespace detail {

class StreamingCore;

/// The type-independent part of a stream's node: identity, parents, slide and configuration.
/// A node is configuration only: built on the user's thread before start(), never changed once
/// the context started. What a run changes (zero time, remember duration, the storage level it
/// runs at, generated RDDs) lives in the node's NodeStateBase, made by the graph at start() and
/// owned by the runtime (StreamingCore::nodeState); the accessors below read it from there.
class DStreamNodeBase {
 public:
  /// Throws IllegalStateError when the context was already started or stopped, and
  /// IllegalArgumentError when a parent belongs to another context.
  DStreamNodeBase(StreamingContext& ssc, std::vector<std::shared_ptr<DStreamNodeBase>> parents,
                  std::string name);
  virtual ~DStreamNodeBase() = default;
  DStreamNodeBase(const DStreamNodeBase&) = delete;
  DStreamNodeBase& operator=(const DStreamNodeBase&) = delete;

  /// Stable id: the order in which the program built its streams, from 0.
  int id() const { return id_; }
  /// What kind of stream this is ("map", "WindowedDStream", "QueueInputDStream", ...).
  const std::string& name() const { return name_; }
  StreamingContext& context() const { return *ssc_; }
  StreamingCore& core() const;
  const std::vector<std::shared_ptr<DStreamNodeBase>>& parents() const { return parents_; }

  /// How often this stream yields an RDD: its first parent's slide by default; the batch
  /// interval for input streams.
  virtual Duration slideDuration() const;
  /// How long parents must remember for this stream, remembering `own`, to compute (windows add
  /// their length).
  virtual Duration parentRememberDuration(Duration own) const { return own; }
  /// The storage level this stream asks of its parents' RDDs when they have none of their own
  /// (windows read each parent RDD several times). NONE when it asks nothing.
  virtual StorageLevel parentStorageLevel() const { return StorageLevel::NONE; }
  /// The parameters that set this stream apart from others of its kind (durations, partition
  /// counts), for the graph's description and fingerprint, the UI and logs.
  virtual std::string paramsToString() const { return {}; }
  /// The kind and parameters the graph's shape is made of (its description and fingerprint,
  /// which a checkpoint must match): by default the name and paramsToString(). Inputs leave out
  /// where they read from (a server's address, a directory), which a restarted program may
  /// change without changing its shape.
  virtual std::string shapeKind() const { return name(); }
  virtual std::string shapeParams() const { return paramsToString(); }
  /// This stream's runtime state, as the graph makes it at start().
  virtual std::unique_ptr<NodeStateBase> makeState(Time zero_time, Duration remember,
                                                   StorageLevel level) const;

  /// Throws IllegalArgumentError when this stream cannot run as configured (a slide that is not
  /// positive; a checkpoint interval without a checkpoint directory, shorter than the slide or
  /// not a multiple of it).
  virtual void validateAtStart() const;

  bool isInitialized() const;
  /// Throws IllegalStateError before start().
  Time zeroTime() const { return state().zeroTime(); }
  /// Throws IllegalStateError before start().
  Duration rememberDuration() const { return state().rememberDuration(); }
  /// True for times after zero that are whole slides from it. Throws IllegalStateError before
  /// start().
  bool isTimeValid(Time time) const;

  /// Forgets (and unpersists) generated RDDs at or before `time - rememberDuration`, here and in
  /// the parents.
  void clearMetadata(Time time);
  /// spark.streaming.unpersist: whether forgotten RDDs are unpersisted too.
  bool unpersistsForgotten() const;

  /// Whether this stream already made its RDD for `time` (output streams make none).
  virtual bool hasGenerated(Time) const { return false; }

  /// The level this stream's RDDs are persisted at: once started, the level it runs at (its
  /// own, else what a consumer asked of it); before, the level it was given.
  StorageLevel storageLevel() const;
  /// The level given by persist() or by the stream itself; NONE when none was.
  StorageLevel configuredStorageLevel() const { return storage_level_; }
  /// Throws UnsupportedOperationError once the context started. Streams that persist an inner
  /// stream along with their own RDDs extend it.
  virtual void setStorageLevel(const StorageLevel& level);

  /// The data checkpoint interval DStream::checkpoint() gave; nothing when none was.
  std::optional<Duration> checkpointInterval() const { return checkpoint_interval_; }
  /// Throws UnsupportedOperationError once the context started.
  void setCheckpointInterval(Duration interval);
  /// Streams built on their own previous RDD (state, incremental windows): when the context has
  /// a checkpoint directory they are checkpointed even without DStream::checkpoint(), as Spark's.
  virtual bool mustCheckpoint() const { return false; }
  /// The interval such streams are checkpointed at when none was given: the smallest multiple of
  /// the slide of at least 10 seconds (Spark's default). Throws IllegalStateError before start().
  virtual Duration defaultCheckpointInterval() const;
  /// The interval this stream's RDDs are written at when the context checkpoints: the one given,
  /// else the default for streams that must be checkpointed, else nothing.
  std::optional<Duration> effectiveCheckpointInterval() const;

 protected:
  /// The state made at start(). Throws IllegalStateError before start().
  NodeStateBase& state() const;
  virtual void forgetBefore(Time threshold) = 0;

 private:
  StreamingContext* ssc_;
  std::vector<std::shared_ptr<DStreamNodeBase>> parents_;
  std::string name_;
  int id_;
  StorageLevel storage_level_ = StorageLevel::NONE;
  std::optional<Duration> checkpoint_interval_;
};

/// Registers `node` (and its parents) with its context's graph, which then owns it by id. Every
/// DStream handle does this for its node; registering a node twice is harmless.
void adoptNode(const std::shared_ptr<DStreamNodeBase>& node);

/// A stream of T: for each valid batch time, at most one Rdd<T>, generated once and shared by all
/// consumers of that batch.
template <class T>
class DStreamNode : public DStreamNodeBase {
 public:
  using DStreamNodeBase::DStreamNodeBase;

  std::unique_ptr<NodeStateBase> makeState(Time zero_time, Duration remember,
                                           StorageLevel level) const override {
    return std::make_unique<NodeState<T>>(zero_time, remember, level);
  }

  /// The RDD for `time`, computing it on first request; nothing for times the stream is not
  /// defined at. Called from the job generator's thread (and from slice()).
  std::optional<Rdd<T>> getOrCompute(Time time) {
    NodeState<T>& generated = typedState();
    if (auto rdd = generated.find(time)) return rdd;
    if (!isTimeValid(time)) return std::nullopt;
    std::optional<Rdd<T>> rdd = compute(time);
    if (!rdd) return std::nullopt;
    if (StorageLevel level = generated.storageLevel();
        level.isValid() && !rdd->getStorageLevel().isValid()) {
      rdd->persist(level);
    }
    return generated.keep(time, std::move(*rdd));
  }

  /// As getOrCompute, for streams that build each RDD on the one before: once that RDD is fully
  /// cached it is swapped, here and in what this stream remembers, for one that owns its blocks
  /// and has no lineage, so lineage stays one batch deep.
  std::optional<Rdd<T>> getOrComputeDetached(Time time) {
    std::optional<Rdd<T>> rdd = getOrCompute(time);
    if (!rdd) return rdd;
    std::optional<Rdd<T>> detached = detachCached(*rdd);
    if (!detached) return rdd;
    typedState().replace(time, rdd->id(), *detached);
    return detached;
  }

  /// The RDDs generated in [from, to] at this stream's slide, oldest first.
  std::vector<Rdd<T>> generatedBetween(Time from, Time to) const {
    return typedState().between(from, to);
  }

  bool hasGenerated(Time time) const override {
    return isInitialized() && typedState().contains(time);
  }

  std::size_t numGenerated() const { return isInitialized() ? typedState().size() : 0; }

 protected:
  /// This stream's RDD at a valid time, built from the parents' RDDs (lazily: no job runs).
  virtual std::optional<Rdd<T>> compute(Time time) = 0;

  /// forgetBefore for streams whose every RDD is built on the one before (state, incremental
  /// windows), called on the job thread after each batch, as Spark checkpoints such streams after
  /// the batch's jobs: the partitions of the batch's RDD that its outputs did not read (print
  /// reads only the first ones) are computed now, so that the next batch finds it fully stored
  /// and detaches it. Until it is complete, the RDD it was built from stays stored as well.
  void completeThenForget(Time threshold) {
    bool complete = completeGenerated(threshold + this->rememberDuration());
    DStreamNode<T>::forgetBefore(complete ? threshold : threshold - this->slideDuration());
  }

  void forgetBefore(Time threshold) override {
    std::vector<Rdd<T>> dropped = typedState().forgetUpTo(threshold);
    if (!this->unpersistsForgotten()) return;
    for (auto& rdd : dropped) {
      if (rdd.getStorageLevel().isValid()) rdd.unpersist();
    }
  }

 private:
  NodeState<T>& typedState() const { return static_cast<NodeState<T>&>(state()); }

  /// Computes the partitions of the RDD at `time` that are not stored yet. True when that RDD is
  /// fully stored, not persisted at all, or was never generated.
  bool completeGenerated(Time time) {
    std::vector<Rdd<T>> generated = generatedBetween(time, time);
    if (generated.empty() || !generated.front().getStorageLevel().isValid()) return true;
    const auto& node = generated.front().node();
    std::vector<int> missing;
    for (int p = 0; p < node->numPartitions(); ++p) {
      if (!node->engine().blocks().get(node->id(), p)) missing.push_back(p);
    }
    if (missing.empty() || node->engine().isStopped()) return true;
    try {
      runJob(node, missing, [&node](const TaskContext& ctx, int p) {
        auto ignore = [](T&) {};
        auto sink = makeEachSink<T>(ignore);
        node->iterate(ctx, p, sink);
      });
    } catch (...) {
      // Not an error of its own: the next batch reads all of this RDD and fails with the same
      // error (or the batch that just ran already did).
      logger()->debug("{} could not complete its RDD of {}: {}", this->name(), time.toString(),
                      describeException(std::current_exception()));
      return false;
    }
    return node->fullyCached();
  }
};

/// A stream that ends a graph: turns each batch into a job (Spark's ForEachDStream).
class OutputNode : public DStreamNodeBase {
 public:
  using DStreamNodeBase::DStreamNodeBase;
  virtual std::optional<Job> generateJob(Time time) = 0;
  int outputOpId() const { return output_op_id_; }
  void setOutputOpId(int id) { output_op_id_ = id; }

 protected:
  void forgetBefore(Time) override {}

 private:
  int output_op_id_ = 0;
};

/// A stream that brings data in. started/stopped with the context.
class InputNodeBase {
 public:
  virtual ~InputNodeBase() = default;
  int inputStreamId() const { return input_stream_id_; }
  void setInputStreamId(int id) { input_stream_id_ = id; }
  /// Called by start(), before the first batch; throws to refuse the start.
  virtual void startInput() {}
  /// Called by stop(); must not throw.
  virtual void stopInput() {}
  /// Why this input cannot run in a context that checkpoints (a queue of RDDs cannot be saved);
  /// nothing when it can.
  virtual std::optional<std::string> checkpointRefusal() const { return std::nullopt; }

 private:
  int input_stream_id_ = 0;
};

}  // namespace detail
}  // namespace ember
