#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "ember/core/ops/actions.hpp"
#include "ember/core/show.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

/// Runs f(Rdd<T>, Time) for each batch its parent has an RDD for (Spark's ForEachDStream).
template <class T, class F>
class ForEachNode final : public OutputNode {
 public:
  ForEachNode(std::shared_ptr<DStreamNode<T>> parent, F f, std::string name)
      : OutputNode(parent->context(), {parent}, std::move(name)),
        parent_(std::move(parent)),
        f_(std::move(f)) {}

  std::optional<Job> generateJob(Time time) override {
    auto rdd = parent_->getOrCompute(time);
    if (!rdd) return std::nullopt;
    return Job{time, outputOpId(), this->name(),
               [f = f_, rdd = *rdd, time]() mutable { f(rdd, time); }};
  }

 private:
  std::shared_ptr<DStreamNode<T>> parent_;
  F f_;
};

template <class T, class F>
void registerOutput(const std::shared_ptr<DStreamNode<T>>& parent, F f, std::string name) {
  auto node = std::make_shared<ForEachNode<T, F>>(parent, std::move(f), std::move(name));
  parent->core().addOutputStream(std::move(node));
}

/// "2014-10-14 15:25:21", in local time, with ".mmm" when the time is not a whole second.
std::string formatBatchTime(Time time);
/// Writes a print() block to standard output in one piece, so concurrent writers do not
/// interleave with it.
void writeBlock(const std::string& block);
/// Spark's rddToFileName: "prefix-<ms>[.suffix]", without "prefix-" when prefix is empty.
std::string batchFileName(const std::string& prefix, const std::string& suffix, Time time);

}  // namespace detail

template <class T>
template <class F>
void DStream<T>::foreachRDD(F f) const {
  if constexpr (std::is_invocable_v<F&, Rdd<T>, Time>) {
    detail::registerOutput(
        node_, [f](const Rdd<T>& rdd, Time t) mutable { f(rdd, t); }, "foreachRDD");
  } else {
    static_assert(std::is_invocable_v<F&, Rdd<T>>,
                  "foreachRDD expects f(Rdd<T>) or f(Rdd<T>, Time)");
    detail::registerOutput(
        node_, [f](const Rdd<T>& rdd, Time) mutable { f(rdd); }, "foreachRDD");
  }
}

template <class T>
void DStream<T>::print(int num) const {
  if (num < 0)
    throw IllegalArgumentError("print: num must not be negative, got " + std::to_string(num));
  detail::registerOutput(
      node_,
      [num](const Rdd<T>& rdd, Time time) {
        auto first = rdd.take(num + 1);
        std::string block = "-------------------------------------------\nTime: ";
        block += detail::formatBatchTime(time);
        block += "\n-------------------------------------------\n";
        for (int i = 0; i < num && i < static_cast<int>(first.size()); ++i) {
          detail::appendShown(block, first[i]);
          block += '\n';
        }
        if (static_cast<int>(first.size()) > num) block += "...\n";
        block += '\n';
        detail::writeBlock(block);
      },
      "print");
}

template <class T>
void DStream<T>::saveAsTextFiles(const std::string& prefix, const std::string& suffix) const {
  detail::registerOutput(
      node_,
      [prefix, suffix](const Rdd<T>& rdd, Time time) {
        rdd.saveAsTextFile(detail::batchFileName(prefix, suffix, time));
      },
      "saveAsTextFiles");
}

template <class T>
const DStream<T>& DStream<T>::checkpoint(Duration interval) const {
  if constexpr (!detail::kSerializable<T>) {
    throw UnsupportedOperationError(
        "checkpoint: this element type is not serializable, so its RDDs cannot be written: give "
        "it a cereal serialize() function");
  }
  if (!node_->configuredStorageLevel().isValid()) persist();
  node_->setCheckpointInterval(interval);
  return *this;
}

template <class T>
const DStream<T>& DStream<T>::persist(const StorageLevel& level) const {
  bool serializes = level.useDisk || (level.useMemory && !level.deserialized);
  if constexpr (!detail::kSerializable<T>) {
    if (serializes) {
      throw UnsupportedOperationError(
          "storage level " + level.description() +
          " serializes its blocks, and this element type is not serializable: give it a cereal "
          "serialize() function, or use MEMORY_ONLY");
    }
  }
  node_->setStorageLevel(level);
  return *this;
}

template <class T>
std::vector<Rdd<T>> DStream<T>::slice(Time fromTime, Time toTime) const {
  if (!node_->isInitialized()) {
    throw IllegalStateError("slice: the stream has not been initialized (start the context first)");
  }
  // As Spark, a bound off the slide grid is floored to it (the batch that contains it).
  return node_->generatedBetween(fromTime.floor(slideDuration(), node_->zeroTime()), toTime);
}

}  // namespace ember
