#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ember/core/ops/parallelize.hpp"
#include "ember/core/ops/union.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

/// A thread-safe queue of RDDs for queueStream; RDDs may be pushed while the context runs.
template <class T>
class RddQueue {
 public:
  void push(Rdd<T> rdd) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(rdd));
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  /// One RDD, or all of them, taken off the queue.
  std::vector<Rdd<T>> take(bool one) {
    std::lock_guard lock(mutex_);
    std::vector<Rdd<T>> out;
    if (one && !queue_.empty()) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    } else {
      out.assign(queue_.begin(), queue_.end());
      queue_.clear();
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Rdd<T>> queue_;
};

namespace detail {

/// Spark's QueueInputDStream.
template <class T>
class QueueInputNode final : public DStreamNode<T>, public InputNodeBase {
 public:
  QueueInputNode(StreamingContext& ssc, std::shared_ptr<RddQueue<T>> queue, bool one_at_a_time,
                 std::optional<Rdd<T>> default_rdd)
      : DStreamNode<T>(ssc, {}, "QueueInputDStream"),
        queue_(std::move(queue)),
        one_at_a_time_(one_at_a_time),
        default_rdd_(std::move(default_rdd)) {}

  /// Spark's words: the RDDs of a queue are the program's objects, not data a checkpoint holds.
  std::optional<std::string> checkpointRefusal() const override {
    return "queueStream doesn't support checkpointing. Please don't use queueStream when "
           "checkpointing is enabled.";
  }

 protected:
  std::optional<Rdd<T>> compute(Time) override {
    auto rdds = queue_->take(one_at_a_time_);
    if (!rdds.empty()) return one_at_a_time_ ? rdds.front() : unionAll(rdds);
    if (default_rdd_) return *default_rdd_;
    return this->context().sparkContext().template emptyRDD<T>();
  }

 private:
  std::shared_ptr<RddQueue<T>> queue_;
  bool one_at_a_time_;
  std::optional<Rdd<T>> default_rdd_;
};

template <class Node, class T>
DStream<T> registerInput(StreamingContext& ssc, std::shared_ptr<Node> node) {
  ssc.core().addInputStream(node, node.get());
  return DStream<T>(std::move(node));
}

}  // namespace detail

template <class T>
DStream<T> StreamingContext::queueStream(std::shared_ptr<RddQueue<T>> queue, bool oneAtATime,
                                         std::optional<Rdd<T>> defaultRDD) {
  if (!queue) throw IllegalArgumentError("queueStream: the queue must not be null");
  auto node = std::make_shared<detail::QueueInputNode<T>>(*this, std::move(queue), oneAtATime,
                                                          std::move(defaultRDD));
  return detail::registerInput<detail::QueueInputNode<T>, T>(*this, std::move(node));
}

template <class T>
DStream<T> StreamingContext::queueStream(std::vector<Rdd<T>> rdds, bool oneAtATime,
                                         std::optional<Rdd<T>> defaultRDD) {
  auto queue = std::make_shared<RddQueue<T>>();
  for (auto& rdd : rdds) queue->push(std::move(rdd));
  return queueStream(std::move(queue), oneAtATime, std::move(defaultRDD));
}

}  // namespace ember
