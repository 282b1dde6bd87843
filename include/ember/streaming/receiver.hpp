#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/core/storage_level.hpp"

namespace ember {

namespace detail {
class ReceiverSupervisor;

/// A block of received records, type-erased (a std::vector<T> of the receiver's T).
struct ReceivedBlock {
  std::shared_ptr<const void> data;
  std::int64_t numRecords = 0;
};
}  // namespace detail

/// The type-independent part of a receiver: its life cycle, as Spark's Receiver.
///
/// onStart() is called when the context starts (and after each restart); it must not block, so a
/// receiver that reads starts its own thread there. onStop() must make that thread end (and
/// should wait for it, unless called from it). The supervisor never calls onStart() and onStop()
/// concurrently. An exception escaping onStart() stops the receiver for good, reported as an
/// error (as Spark does). restart(), stop() and reportError() return at once and may be called
/// from any thread, including the receiver's own and from inside onStart()/onStop().
class ReceiverBase {
 public:
  explicit ReceiverBase(StorageLevel level) : level_(level) {}
  virtual ~ReceiverBase() = default;
  ReceiverBase(const ReceiverBase&) = delete;
  ReceiverBase& operator=(const ReceiverBase&) = delete;

  virtual void onStart() = 0;
  virtual void onStop() = 0;
  /// Shown in logs and listener events.
  virtual std::string name() const { return "Receiver"; }

  StorageLevel storageLevel() const { return level_; }
  int streamId() const { return stream_id_; }
  bool isStarted() const { return started_.load(); }
  bool isStopped() const { return !started_.load(); }

  /// Asks for a restart: on the supervisor's thread, onStop(), a wait, onStart(). The wait
  /// starts at spark.streaming.receiverRestartDelay / 20 and doubles with each restart that
  /// stored nothing since the one before, up to the delay. The message reaches the log and the
  /// listeners (onReceiverError, then onReceiverStopped and onReceiverStarted around the wait).
  /// Requests made while a restart is pending join it.
  void restart(const std::string& message, std::exception_ptr error = nullptr);
  /// Reports an error to the log and the listeners without stopping.
  void reportError(const std::string& message, std::exception_ptr error = nullptr);
  /// Asks to stop the receiver for good (onStop() on the supervisor's thread; the rest of the
  /// context goes on). Wins over a pending restart.
  void stop(const std::string& message, std::exception_ptr error = nullptr);

  /// Records stored so far.
  std::int64_t numRecordsStored() const { return stored_.load(); }
  /// Blocks until at least n records were stored or timeout_ms passed; returns whether they were.
  bool awaitRecordsStored(std::int64_t n, std::int64_t timeout_ms) const;

  /// Moves what was stored since the last call into blocks. Called by the supervisor.
  virtual std::vector<detail::ReceivedBlock> takeBlocks() = 0;

 protected:
  void countStored(std::int64_t n);

 private:
  friend class detail::ReceiverSupervisor;
  StorageLevel level_;
  int stream_id_ = 0;
  std::atomic<bool> started_{false};
  std::atomic<detail::ReceiverSupervisor*> supervisor_{nullptr};
  std::atomic<std::int64_t> stored_{0};
  std::atomic<int> waiters_{0};
  mutable std::mutex stored_mutex_;
  mutable std::condition_variable stored_cv_;
};

/// A receiver of records of type T (Spark's Receiver[T]): subclasses call store() from their
/// own threads.
template <class T>
class Receiver : public ReceiverBase {
 public:
  using record_type = T;
  using ReceiverBase::ReceiverBase;

  /// Adds one record to the block being filled. Thread-safe.
  void store(T record) {
    {
      std::lock_guard lock(buffer_mutex_);
      current_.push_back(std::move(record));
    }
    countStored(1);
  }
  /// Stores records as one block of their own. Thread-safe.
  void store(std::vector<T> records) {
    if (records.empty()) return;
    auto n = static_cast<std::int64_t>(records.size());
    {
      std::lock_guard lock(buffer_mutex_);
      if (!current_.empty()) cutLocked();
      ready_.push_back({std::make_shared<const std::vector<T>>(std::move(records)), n});
    }
    countStored(n);
  }

  std::vector<detail::ReceivedBlock> takeBlocks() override {
    std::lock_guard lock(buffer_mutex_);
    if (!current_.empty()) cutLocked();
    std::vector<detail::ReceivedBlock> out;
    out.swap(ready_);
    return out;
  }

 private:
  void cutLocked() {
    auto n = static_cast<std::int64_t>(current_.size());
    ready_.push_back({std::make_shared<const std::vector<T>>(std::move(current_)), n});
    current_ = {};
  }

  std::mutex buffer_mutex_;
  std::vector<T> current_;
  std::vector<detail::ReceivedBlock> ready_;
};

}  // namespace ember
