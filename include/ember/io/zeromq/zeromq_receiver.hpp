#pragma once

#include <concepts>
#include <memory>
#include <mutex>
#include <ranges>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/io/socket_receiver.hpp"
#include "ember/io/zeromq/zeromq_session.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember {

namespace detail {
/// bytesToObjects in its collection form: frames in, a range of records out.
template <class F>
concept FramesToRange = std::invocable < F&,
        const std::vector<std::string>
& > &&std::ranges::input_range<std::invoke_result_t<F&, const std::vector<std::string>&>>;

/// bytesToObjects in its emitter form: frames in, emit(record) called with each record.
template <class F, class T>
concept FramesToEmitter = std::invocable < F&,
        const std::vector<std::string>
&, StoreEmitter<T>& > ;
}  // namespace detail

/// Subscribes to a ZeroMQ publisher (Spark 1.6's ZeroMQReceiver): a SUB socket connected to
/// `publisherUrl`, subscribed to the topic prefix `subscribe` ("" for every message). Each
/// multipart message loses its first frame, the topic, as in Spark, and the remaining frames go
/// to bytesToObjects, whose records are stored one at a time (cut into blocks every block
/// interval, rate limited). bytesToObjects is called on the receiver's thread, one message at a
/// time.
///
/// ZeroMQ's PUB/SUB drops what a subscriber is not connected for, so this source is unreliable:
/// a write-ahead log keeps what was stored, nothing more. A publisher that cannot be reached or
/// goes away makes the receiver restart (a new socket, with the supervisor's backoff), each
/// time reported to the listeners; onStop() ends a wait for data at once.
template <class T, class F>
class ZeroMQReceiver final : public Receiver<T> {
 public:
  static_assert(detail::FramesToEmitter<F, T> || detail::FramesToRange<F>,
                "ZeroMQUtils::createStream: bytesToObjects must be callable as "
                "f(const std::vector<std::string>& frames) returning a range of records, or as "
                "f(const std::vector<std::string>& frames, auto& emit) calling emit(record)");

  /// Throws IllegalArgumentError for a URL ZeroMQ cannot connect to.
  ZeroMQReceiver(std::string publisherUrl, std::string subscribe, F bytesToObjects,
                 StorageLevel level)
      : Receiver<T>(level),
        url_(std::move(publisherUrl)),
        subscribe_(std::move(subscribe)),
        bytes_to_objects_(std::move(bytesToObjects)) {
    detail::checkZeroMQUrl("ZeroMQUtils.createStream", url_);
  }
  ~ZeroMQReceiver() override { onStop(); }

  /// Starts the receiving thread with a new context and socket. Throws IoError when ZeroMQ
  /// cannot make a context (the supervisor then stops the receiver and reports it).
  void onStart() override {
    if (thread_.joinable()) thread_.join();  // a thread that ended by itself
    auto session = std::make_shared<detail::ZeroMQSession>(url_, subscribe_);
    {
      std::lock_guard lock(mutex_);
      session_ = session;
    }
    thread_ = std::thread([this, session] {
      session->run(*this, [this](std::vector<std::string>& frames) { deliver(frames); });
    });
  }
  /// Interrupts the session and joins its thread (unless called from it). Idempotent.
  void onStop() override {
    {
      std::lock_guard lock(mutex_);
      if (session_) session_->interrupt();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override {
    return "ZeroMQReceiver(" + url_ + ", subscribe '" + subscribe_ + "')";
  }

 private:
  void deliver(std::vector<std::string>& frames) {
    if (!frames.empty()) frames.erase(frames.begin());  // the topic, as Spark drops it
    const std::vector<std::string>& payload = frames;
    if constexpr (detail::FramesToEmitter<F, T>) {
      StoreEmitter<T> emit(*this);
      bytes_to_objects_(payload, emit);
    } else {
      for (auto&& record : bytes_to_objects_(payload)) {
        this->store(T(std::forward<decltype(record)>(record)));
      }
    }
  }

  std::string url_;
  std::string subscribe_;
  F bytes_to_objects_;
  std::mutex mutex_;
  std::shared_ptr<detail::ZeroMQSession> session_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace ember
