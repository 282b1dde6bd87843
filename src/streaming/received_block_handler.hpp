#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "ember/streaming/clock.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember::detail {

/// Where a receiver's block goes once it is complete (Spark's ReceivedBlockHandler): the one
/// seam between receiving and storing. The block generator calls storeBlock() for every block,
/// in the order the blocks were made, one call at a time per receiver; a multi-record store()
/// returns only after its block's storeBlock() returned.
///
/// A write-ahead log plugs in here: a handler that writes the block's bytes to the log and then
/// passes the block on to the ReceivedBlockQueue, so that a block is in the log before store()
/// returns and before any batch can be given it.
class ReceivedBlockHandler {
 public:
  virtual ~ReceivedBlockHandler() = default;
  /// Stores one block; returns when it is stored. May throw what storage throws (the caller of a
  /// multi-record store() gets the exception; a failure for a cut block is reported as a
  /// receiver error).
  virtual void storeBlock(const ReceivedBlock& block) = 0;
};

/// The in-memory handler: keeps the blocks until the next batch takes them. Thread-safe.
class ReceivedBlockQueue final : public ReceivedBlockHandler {
 public:
  void storeBlock(const ReceivedBlock& block) override;
  /// Every block stored and not yet taken, in order.
  std::vector<ReceivedBlock> takeAll();
  bool empty() const;

 private:
  mutable std::mutex mutex_;
  std::vector<ReceivedBlock> blocks_;  // guarded by mutex_
};

class ReceivedBlockLog;

/// The write-ahead log's handler (Spark's WriteAheadLogBasedBlockHandler): writes each block's
/// bytes and the event that it exists to the log, synced, then passes the block (with its log id)
/// on. Until enable() it only passes blocks on. Thread-safe.
class WriteAheadLogBlockHandler final : public ReceivedBlockHandler {
 public:
  WriteAheadLogBlockHandler(ReceivedBlockHandler& next, const ReceiverBase& receiver, int stream_id,
                            Clock& clock)
      : next_(next), receiver_(receiver), stream_id_(stream_id), clock_(clock) {}

  /// From now on blocks are logged in `log` (which outlives this handler's use).
  void enable(ReceivedBlockLog* log) { log_.store(log); }
  /// Throws what writing the log throws (IoError), and UnsupportedOperationError for records that
  /// cannot be serialized; the block is then not passed on.
  void storeBlock(const ReceivedBlock& block) override;

 private:
  ReceivedBlockHandler& next_;
  const ReceiverBase& receiver_;
  int stream_id_;
  Clock& clock_;
  std::atomic<ReceivedBlockLog*> log_{nullptr};
};

}  // namespace ember::detail
