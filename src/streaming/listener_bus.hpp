#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "ember/streaming/listener.hpp"

namespace ember::detail {

using StreamingEvent =
    std::variant<StreamingListenerStreamingStarted, StreamingListenerBatchSubmitted,
                 StreamingListenerBatchStarted, StreamingListenerBatchCompleted,
                 StreamingListenerOutputOperationStarted, StreamingListenerOutputOperationCompleted,
                 StreamingListenerReceiverStarted, StreamingListenerReceiverError,
                 StreamingListenerReceiverStopped, StreamingListenerInputStreamError,
                 StreamingListenerInputStreamRecovered>;

/// Delivers events to listeners, in posting order, on its own thread, so a slow listener never
/// delays a batch. Events that follow a delivery closely are gathered for up to 2 ms and
/// delivered together (one wake-up of the thread for many short batches).
class ListenerBus {
 public:
  ListenerBus();
  ~ListenerBus();
  ListenerBus(const ListenerBus&) = delete;
  ListenerBus& operator=(const ListenerBus&) = delete;

  void addListener(std::shared_ptr<StreamingListener> listener);
  void removeListener(const std::shared_ptr<StreamingListener>& listener);
  /// Thread-safe; never blocks on listeners.
  void post(StreamingEvent event);
  /// Blocks until every event posted so far has been delivered.
  void waitUntilEmpty();

 private:
  void run(std::stop_token stop);
  void deliver(const std::vector<std::shared_ptr<StreamingListener>>& listeners,
               const StreamingEvent& event);

  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::condition_variable_any idle_cv_;
  std::deque<StreamingEvent> queue_;
  bool busy_ = false;
  bool sleeping_ = false;  // the bus thread waits for a first event (post() must wake it)
  bool flush_ = false;     // waitUntilEmpty() asks for delivery now
  std::vector<std::shared_ptr<StreamingListener>> listeners_;
  std::jthread thread_;
};

}  // namespace ember::detail
