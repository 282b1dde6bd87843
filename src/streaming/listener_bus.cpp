#include "listener_bus.hpp"

#include <algorithm>
#include <chrono>

#include "ember/core/logging.hpp"

namespace ember::detail {

namespace {
// After a delivery the bus gathers events this long before the next one: a stream of short
// batches then costs one wake-up of the bus thread per few milliseconds, not one per batch.
constexpr auto kLinger = std::chrono::milliseconds(2);
}  // namespace

ListenerBus::ListenerBus() : thread_([this](std::stop_token stop) { run(stop); }) {}

ListenerBus::~ListenerBus() {
  waitUntilEmpty();
  thread_.request_stop();
  cv_.notify_all();
}

void ListenerBus::addListener(std::shared_ptr<StreamingListener> listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void ListenerBus::removeListener(const std::shared_ptr<StreamingListener>& listener) {
  std::lock_guard lock(mutex_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void ListenerBus::post(StreamingEvent event) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    // Nobody to tell: skip waking the bus thread (this keeps an empty batch cheap).
    if (listeners_.empty()) return;
    // Only a bus thread waiting for the first event needs waking: a busy or lingering one looks
    // at the queue again by itself, within kLinger.
    wake = sleeping_;
    queue_.push_back(std::move(event));
  }
  if (wake) cv_.notify_one();
}

void ListenerBus::waitUntilEmpty() {
  std::unique_lock lock(mutex_);
  if (queue_.empty() && !busy_) return;
  flush_ = true;  // ends the bus thread's linger now
  cv_.notify_all();
  idle_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void ListenerBus::run(std::stop_token stop) {
  bool linger = false;
  for (;;) {
    std::deque<StreamingEvent> events;
    std::vector<std::shared_ptr<StreamingListener>> listeners;
    {
      std::unique_lock lock(mutex_);
      if (linger) cv_.wait_for(lock, stop, kLinger, [&] { return flush_; });
      if (queue_.empty()) {
        sleeping_ = true;
        cv_.wait(lock, stop, [&] { return !queue_.empty(); });
        sleeping_ = false;
      }
      if (queue_.empty()) return;  // stopped
      flush_ = false;
      events.swap(queue_);  // everything posted so far, in order, under one lock
      busy_ = true;
      listeners = listeners_;
    }
    for (const StreamingEvent& event : events) deliver(listeners, event);
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    idle_cv_.notify_all();
    linger = true;
  }
}

void ListenerBus::deliver(const std::vector<std::shared_ptr<StreamingListener>>& listeners,
                          const StreamingEvent& event) {
  for (const auto& listener : listeners) {
    try {
      std::visit(
          [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, StreamingListenerStreamingStarted>) {
              listener->onStreamingStarted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerBatchSubmitted>) {
              listener->onBatchSubmitted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerBatchStarted>) {
              listener->onBatchStarted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerBatchCompleted>) {
              listener->onBatchCompleted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerOutputOperationStarted>) {
              listener->onOutputOperationStarted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerOutputOperationCompleted>) {
              listener->onOutputOperationCompleted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerReceiverStarted>) {
              listener->onReceiverStarted(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerReceiverError>) {
              listener->onReceiverError(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerReceiverStopped>) {
              listener->onReceiverStopped(e);
            } else if constexpr (std::is_same_v<E, StreamingListenerInputStreamError>) {
              listener->onInputStreamError(e);
            } else {
              static_assert(std::is_same_v<E, StreamingListenerInputStreamRecovered>);
              listener->onInputStreamRecovered(e);
            }
          },
          event);
    } catch (const std::exception& e) {
      logger()->error("a streaming listener threw: {}", e.what());
    } catch (...) {
      logger()->error("a streaming listener threw a non-standard exception");
    }
  }
}

}  // namespace ember::detail
