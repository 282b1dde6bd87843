#pragma once

#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/rdd_node.hpp"
#include "ember/core/serialization.hpp"
#include "ember/core/storage_level.hpp"

namespace ember {

namespace detail {
class ReceiverSupervisor;
class BlockGenerator;

/// A block of received records, type-erased (a std::vector<T> of the receiver's T).
struct ReceivedBlock {
  std::shared_ptr<const void> data;
  std::int64_t numRecords = 0;
  std::int64_t id = -1;  // given by the write-ahead log, when it is on
};
}  // namespace detail

/// The type-independent part of a receiver: its life cycle, as Spark's Receiver.
///
/// onStart() is called when the context starts (and after each restart); it must not block, so a
/// receiver that reads starts its own thread there. onStop() must make that thread end (and
/// should wait for it, unless called from it). The supervisor never calls onStart() and onStop()
/// concurrently. An exception escaping onStart() stops the receiver for good, reported as an
/// error (as Spark does). restart(), stop() and reportError() return at once and may be called
/// from any thread, including the receiver's own and from inside onStart()/onStop(); none of
/// them throws.
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
  /// The bytes of one of this receiver's blocks, for the write-ahead log (the serialization
  /// layer's form of its std::vector<T>). Throws UnsupportedOperationError when T is not
  /// serializable.
  virtual std::string serializeBlock(const detail::ReceivedBlock& block) const = 0;
  /// A block back from serializeBlock()'s bytes. Throws SerializationError for other bytes and
  /// UnsupportedOperationError when T is not serializable.
  virtual detail::ReceivedBlock deserializeBlock(const std::string& bytes) const = 0;
  /// Whether serializeBlock() can work: a write-ahead log needs it.
  virtual bool blocksSerializable() const = 0;

  /// Where the receiver would like to run (Spark's preferredLocation): a host name, or nothing
  /// for anywhere. ember runs every receiver in the driver's process, so this is only logged.
  virtual std::optional<std::string> preferredLocation() const { return std::nullopt; }

  StorageLevel storageLevel() const { return level_; }
  /// The id of the input stream this receiver feeds (0 before receiverStream()).
  int streamId() const { return stream_id_; }
  /// Whether onStart() was called and the receiver has not been stopped since.
  bool isStarted() const { return state_.load() == State::kStarted; }
  /// Whether the receiver was stopped (for good, or while a restart waits). Receive loops poll
  /// this. Before the first start neither isStarted() nor isStopped() holds, as in Spark.
  bool isStopped() const { return state_.load() == State::kStopped; }

  /// Asks for a restart: on the supervisor's thread, onStop(), a wait, onStart(). Without a
  /// delay the wait backs off (ember's choice; Spark always waits
  /// spark.streaming.receiverRestartDelay): it starts at a twentieth of that delay and doubles
  /// with each restart that stored nothing since the one before, up to the delay. The message
  /// reaches the log and the listeners (onReceiverError, then onReceiverStopped and
  /// onReceiverStarted around the wait). Requests made while a restart is pending join it.
  void restart(const std::string& message);
  void restart(const std::string& message, std::exception_ptr error);
  /// As restart(message, error), waiting exactly delayMs (negative counts as 0); the backoff of
  /// later restarts without a delay is not changed.
  void restart(const std::string& message, std::exception_ptr error, std::int64_t delayMs);
  /// Reports an error to the log and the listeners without stopping.
  void reportError(const std::string& message, std::exception_ptr error = nullptr);
  /// Asks to stop the receiver for good (onStop() on the supervisor's thread; the rest of the
  /// context goes on). Wins over a pending restart.
  void stop(const std::string& message, std::exception_ptr error = nullptr);

  /// Records stored so far (single-record stores count when buffered).
  std::int64_t numRecordsStored() const { return stored_.load(); }
  /// Blocks until at least n records were stored or timeout_ms passed; returns whether they were.
  bool awaitRecordsStored(std::int64_t n, std::int64_t timeout_ms) const;
  /// Blocks stored so far (each multi-record store, and each block the block generator cut).
  std::int64_t numBlocksStored() const;
  /// Blocks until at least n blocks were stored or timeout_ms passed; returns whether they were.
  bool awaitBlocksStored(std::int64_t n, std::int64_t timeout_ms) const;

 protected:
  /// Before a single record enters the buffer: waits for the rate limit
  /// (spark.streaming.receiver.maxRate, backpressure) and for room in the block queue. Returns
  /// early once the receiver stops. Does not throw.
  void waitToPush();
  /// Stores `block` at once, after what the buffer holds, and returns when it is stored.
  /// Throws IllegalStateError when the receiver is not part of a context (no receiverStream()),
  /// and what storing throws.
  void pushBlock(detail::ReceivedBlock block);
  void countStored(std::int64_t n);

 private:
  friend class detail::ReceiverSupervisor;
  enum class State { kInitialized, kStarted, kStopped };

  /// Moves the records of single-record stores into a block; nothing when there are none.
  /// Called by the block generator.
  virtual std::optional<detail::ReceivedBlock> cutBlock() = 0;

  StorageLevel level_;
  int stream_id_ = 0;
  std::atomic<State> state_{State::kInitialized};
  std::atomic<detail::ReceiverSupervisor*> supervisor_{nullptr};
  std::atomic<std::int64_t> stored_{0};
  std::atomic<int> waiters_{0};
  mutable std::mutex stored_mutex_;
  mutable std::condition_variable stored_cv_;
};

/// A receiver of records of type T (Spark's Receiver[T]): subclasses call store() from their
/// own threads.
///
/// Unreliable sources store one record at a time: the records are cut into a block every
/// spark.streaming.blockInterval and rate-limited, and what is buffered when the process dies is
/// lost. Reliable sources store many records at once, as one block, and acknowledge to their
/// source once store() returned: the block is then stored.
template <class T>
class Receiver : public ReceiverBase {
 public:
  using record_type = T;
  using ReceiverBase::ReceiverBase;

  /// Adds one record to the block being filled; first waits while the rate limit or a full
  /// block queue says so (returning early once the receiver stops). Thread-safe; does not throw
  /// beyond what moving T throws.
  void store(T record) {
    waitToPush();
    {
      std::lock_guard lock(buffer_mutex_);
      current_.push_back(std::move(record));
    }
    countStored(1);
  }
  /// Stores the records as one block right away and returns when it is stored; not rate
  /// limited. An empty vector stores nothing. Thread-safe. Throws IllegalStateError when the
  /// receiver is not part of a context, and what storing the block throws.
  void store(std::vector<T> records) {
    if (records.empty()) return;
    auto n = static_cast<std::int64_t>(records.size());
    pushBlock({std::make_shared<const std::vector<T>>(std::move(records)), n});
    countStored(n);
  }
  /// The records of [first, last) as one block, as store(std::vector<T>).
  template <std::input_iterator It, std::sentinel_for<It> S>
  requires std::constructible_from<T, std::iter_reference_t<It>>
  void store(It first, S last) {
    std::vector<T> records;
    for (; first != last; ++first) records.emplace_back(*first);
    store(std::move(records));
  }

  std::string serializeBlock(const detail::ReceivedBlock& block) const override {
    if constexpr (detail::kSerializable<T>) {
      return serializeToString(*static_cast<const std::vector<T>*>(block.data.get()));
    } else {
      throw UnsupportedOperationError(name() +
                                      ": its records cannot be serialized: give the "
                                      "record type a cereal serialize() function");
    }
  }
  detail::ReceivedBlock deserializeBlock(const std::string& bytes) const override {
    if constexpr (detail::kSerializable<T>) {
      auto records = std::make_shared<std::vector<T>>(deserializeFromString<std::vector<T>>(bytes));
      auto n = static_cast<std::int64_t>(records->size());
      return {std::shared_ptr<const std::vector<T>>(std::move(records)), n};
    } else {
      throw UnsupportedOperationError(name() + ": its records cannot be deserialized");
    }
  }
  bool blocksSerializable() const override { return detail::kSerializable<T>; }

 private:
  std::optional<detail::ReceivedBlock> cutBlock() override {
    std::lock_guard lock(buffer_mutex_);
    if (current_.empty()) return std::nullopt;
    auto n = static_cast<std::int64_t>(current_.size());
    detail::ReceivedBlock block{std::make_shared<const std::vector<T>>(std::move(current_)), n};
    current_ = {};
    return block;
  }

  std::mutex buffer_mutex_;
  std::vector<T> current_;  // guarded by buffer_mutex_
};

}  // namespace ember
