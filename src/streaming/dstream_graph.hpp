#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ember/streaming/detail/node_state.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/job.hpp"

namespace ember::detail {

/// The streams of a context as data (Spark's DStreamGraph): every node by its stable id (the
/// order the program built it in), its inputs and its output operations in definition order.
/// Built on the user's thread before start and never changed afterwards; then read by the job
/// generator's and the job threads. Thread-safe.
///
/// The graph holds configuration only. start() makes each node's runtime state (zero time,
/// remember duration, the storage level it runs at) and hands it to the runtime, which owns it.
class DStreamGraph {
 public:
  /// The id of the next node the program builds.
  int nextNodeId();
  /// Owns `node` and, recursively, its parents, under their ids. Idempotent.
  void adopt(const std::shared_ptr<DStreamNodeBase>& node);
  /// Returns the new input stream's id (0, 1, ... in order of definition).
  int addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input);
  /// Returns the output operation's id (0, 1, ... in order of definition).
  int addOutputStream(std::shared_ptr<OutputNode> node);
  void setRememberDuration(Duration duration);
  bool hasOutputs() const;

  /// The node with this id, or nullptr.
  std::shared_ptr<DStreamNodeBase> node(int id) const;
  /// The input streams with their node ids, in input-id order.
  std::vector<std::pair<int, InputNodeBase*>> inputs() const;
  /// Every node, by increasing id.
  std::vector<std::shared_ptr<DStreamNodeBase>> nodes() const;
  /// One line per node, by id: "<id> <kind> parents=[..] slide=<d>[ <params>]", then one line per
  /// input and output id. Two graphs built by the same program describe themselves the same.
  std::vector<std::string> describe() const;
  /// A 64-bit FNV-1a hash of describe(), as 16 hex digits, which a checkpoint keeps to refuse a
  /// graph of another shape.
  std::string fingerprint() const;

  /// Validates every node and makes the runtime state of each (indexed by id) with its remember
  /// duration and storage level resolved as Spark's initialize/remember/persist do. Throws what
  /// validation throws.
  std::vector<std::unique_ptr<NodeStateBase>> start(Time zero_time);
  /// Starts the inputs (once their state is published), stopping those already started if one
  /// fails. Throws what an input throws.
  void startInputs();
  /// Stops every input. Does not throw.
  void stopInputs();
  /// One job per output operation that has an RDD at `time`, in definition order. Throws what
  /// computing an RDD throws.
  std::vector<Job> generateJobs(Time time);
  /// Lets every stream forget what it no longer needs to remember at `time`.
  void clearMetadata(Time time);
  /// The longest time an input stream remembers (at least `batch`). After start().
  Duration maxInputRememberDuration(Duration batch) const;

 private:
  std::vector<std::shared_ptr<OutputNode>> outputsCopy() const;
  void adoptLocked(const std::shared_ptr<DStreamNodeBase>& node);

  mutable std::mutex mutex_;
  int next_node_id_ = 0;
  std::map<int, std::shared_ptr<DStreamNodeBase>> nodes_;
  std::vector<std::shared_ptr<DStreamNodeBase>> inputs_;
  std::vector<InputNodeBase*> input_handles_;
  std::vector<std::shared_ptr<OutputNode>> outputs_;
  std::optional<Duration> remember_;
};

}  // namespace ember::detail
