#include "listener_bus.hpp"

#include <algorithm>

#include "ember/core/logging.hpp"

namespace ember::detail {

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
    // The bus thread, when busy, looks at the queue again before it waits: wake it only when it
    // may be waiting, so a batch's events cost one wake-up, not one each.
    wake = queue_.empty() && !busy_;
    queue_.push_back(std::move(event));
  }
  if (wake) cv_.notify_one();
}

void ListenerBus::waitUntilEmpty() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void ListenerBus::run(std::stop_token stop) {
  for (;;) {
    std::deque<StreamingEvent> events;
    std::vector<std::shared_ptr<StreamingListener>> listeners;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) return;
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
            } else {
              listener->onReceiverStopped(e);
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
