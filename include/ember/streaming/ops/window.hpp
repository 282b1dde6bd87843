#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/ops/union.hpp"
#include "ember/streaming/ops/count.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/ops/transform.hpp"

namespace ember {

namespace detail {

/// Throws IllegalArgumentError naming both durations when `duration` is not a positive multiple
/// of the parent's slide.
void checkWindowDuration(const char* what, Duration duration, Duration parent_slide);

/// Spark's WindowedDStream: at each of its slide times t, the union of the parent's RDDs in
/// (t - window, t]. The parent remembers a window more, and persists its RDDs (serialized when
/// it can), since each is read by several windows.
template <class T>
class WindowedNode final : public DStreamNode<T> {
 public:
  WindowedNode(std::shared_ptr<DStreamNode<T>> parent, Duration window, Duration slide)
      : DStreamNode<T>(parent->context(), {parent}, "WindowedDStream"),
        parent_(std::move(parent)),
        window_(window),
        slide_(slide) {
    checkWindowDuration("window duration", window_, parent_->slideDuration());
    checkWindowDuration("slide duration", slide_, parent_->slideDuration());
  }

  Duration slideDuration() const override { return slide_; }
  Duration parentRememberDuration(Duration own) const override { return own + window_; }
  StorageLevel parentStorageLevel() const override {
    return kSerializable<T> ? StorageLevel::MEMORY_ONLY_SER : StorageLevel::MEMORY_ONLY;
  }
  std::string paramsToString() const override {
    return "window " + window_.toString() + ", slide " + slide_.toString();
  }

 protected:
  std::optional<Rdd<T>> compute(Time time) override {
    Duration step = parent_->slideDuration();
    std::vector<Rdd<T>> rdds;
    for (Time t = time - window_ + step; t <= time; t = t + step) {
      if (auto rdd = parent_->getOrCompute(t)) rdds.push_back(std::move(*rdd));
    }
    if (rdds.empty()) return this->context().sparkContext().template emptyRDD<T>();
    return unionAll(rdds);
  }

 private:
  std::shared_ptr<DStreamNode<T>> parent_;
  Duration window_;
  Duration slide_;
};

}  // namespace detail

template <class T>
DStream<T> DStream<T>::window(Duration windowDuration, Duration slideDuration) const {
  return DStream<T>(
      std::make_shared<detail::WindowedNode<T>>(node_, windowDuration, slideDuration));
}

template <class T>
template <class F>
DStream<T> DStream<T>::reduceByWindow(F f, Duration windowDuration, Duration slideDuration) const {
  return reduce(f).window(windowDuration, slideDuration).reduce(f);
}

namespace detail {

/// reduceByKeyAndWindow without an inverse function, of a stream or a chain: each batch reduced
/// (on a chain, the chain fused into that reduce's map-side combine), then the reduced batches
/// of each window.
template <class H, class F>
auto streamReduceByKeyAndWindow(const H& stream, F f, Duration windowDuration,
                                Duration slideDuration, std::optional<int> numPartitions) {
  EMBER_REQUIRE_PAIR(typename H::value_type, "reduceByKeyAndWindow");
  return stream.reduceByKey(f, numPartitions)
      .window(windowDuration, slideDuration)
      .reduceByKey(f, numPartitions);
}

}  // namespace detail

template <class T>
template <class F>
auto DStream<T>::reduceByKeyAndWindow(F f, Duration windowDuration) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), windowDuration, slideDuration(),
                                            std::nullopt);
}

template <class T>
template <class F>
auto DStream<T>::reduceByKeyAndWindow(F f, Duration windowDuration, Duration slideDuration,
                                      std::optional<int> numPartitions) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), windowDuration, slideDuration,
                                            numPartitions);
}

template <class T, class Src, class Step>
template <class F>
auto PipelineDStream<T, Src, Step>::reduceByKeyAndWindow(F f, Duration windowDuration) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), windowDuration,
                                            this->slideDuration(), std::nullopt);
}

template <class T, class Src, class Step>
template <class F>
auto PipelineDStream<T, Src, Step>::reduceByKeyAndWindow(F f, Duration windowDuration,
                                                         Duration slideDuration,
                                                         std::optional<int> numPartitions) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), windowDuration, slideDuration,
                                            numPartitions);
}

template <class T>
auto DStream<T>::groupByKeyAndWindow(Duration windowDuration) const {
  return groupByKeyAndWindow(windowDuration, slideDuration());
}

template <class T>
auto DStream<T>::groupByKeyAndWindow(Duration windowDuration, Duration slideDuration,
                                     std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "groupByKeyAndWindow");
  return window(windowDuration, slideDuration).groupByKey(numPartitions);
}

}  // namespace ember
