#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/shuffle.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/ops/window.hpp"

namespace ember {

namespace detail {

/// Reads a partition element by element without copying what the producer keeps.
template <class T, class F>
class ReadSink final : public ChunkSink<T> {
 public:
  explicit ReadSink(F& f) : f_(f) {}
  void push(std::vector<T>& chunk) override {
    for (const auto& x : chunk) f_(x);
  }
  void pushConst(const std::vector<T>& data, std::size_t begin, std::size_t end) override {
    for (std::size_t i = begin; i < end; ++i) f_(data[i]);
  }

 private:
  F& f_;
};

template <class T, class F>
void readPartition(const RddNode<T>& node, const TaskContext& ctx, int partition, F f) {
  ReadSink<T, F> sink(f);
  node.iterate(ctx, partition, sink);
}

/// Throws IllegalStateError for a key that left the window while the previous window had no
/// value for it, which Spark also refuses.
[[noreturn]] void throwKeyWithoutWindowValue();

/// One slide of an incremental window (Spark's cogroup of the previous window with the reduced
/// batches that left and entered it, followed by its merge): every input is partitioned alike,
/// so partition p of the result reads only partition p of each input, with no shuffle.
template <class K, class V, class F, class G, class P>
class WindowMergeNode final : public RddNode<std::pair<K, V>> {
  using Pair = std::pair<K, V>;

 public:
  WindowMergeNode(std::shared_ptr<EngineState> engine, int num_partitions,
                  std::shared_ptr<RddNode<Pair>> previous,
                  std::vector<std::shared_ptr<RddNode<Pair>>> olds,
                  std::vector<std::shared_ptr<RddNode<Pair>>> news, F f, G inv, P filter)
      : RddNode<Pair>(std::move(engine), num_partitions, parentsOf(previous, olds, news)),
        previous_(std::move(previous)),
        olds_(std::move(olds)),
        news_(std::move(news)),
        f_(std::move(f)),
        inv_(std::move(inv)),
        filter_(std::move(filter)) {}

  std::string name() const override { return "MapPartitionsRDD"; }
  std::string paramsToString() const override {
    return std::to_string(olds_.size()) + " leaving, " + std::to_string(news_.size()) + " entering";
  }

  void compute(const TaskContext& ctx, int partition, ChunkSink<Pair>& out) const override {
    // Keys in the order they are first seen, so a partition's output order is deterministic.
    std::vector<std::pair<K, Slot>> slots;
    KeyMap<K, std::size_t> index;
    auto slotOf = [&](const K& key) -> Slot& {
      auto [it, inserted] = index.try_emplace(key, slots.size());
      if (inserted) slots.emplace_back(key, Slot{});
      return slots[it->second].second;
    };
    if (previous_) {
      readPartition(*previous_, ctx, partition,
                    [&](const Pair& kv) { slotOf(kv.first).previous = kv.second; });
    }
    // Each reduced batch holds a key at most once; folding oldest first gives Spark's
    // `values.reduce(f)` order.
    auto fold = [this](std::optional<V>& acc, const V& v) {
      if (acc) {
        acc = f_(std::move(*acc), v);
      } else {
        acc = v;
      }
    };
    for (const auto& old : olds_) {
      readPartition(*old, ctx, partition,
                    [&](const Pair& kv) { fold(slotOf(kv.first).leaving, kv.second); });
    }
    for (const auto& neu : news_) {
      readPartition(*neu, ctx, partition,
                    [&](const Pair& kv) { fold(slotOf(kv.first).entering, kv.second); });
    }
    ChunkWriter<Pair> writer(out);
    for (auto& [key, slot] : slots) {
      V value;
      if (!slot.previous) {
        if (!slot.entering) throwKeyWithoutWindowValue();
        value = std::move(*slot.entering);
      } else {
        value = std::move(*slot.previous);
        if (slot.leaving) value = inv_(std::move(value), *slot.leaving);
        if (slot.entering) value = f_(std::move(value), *slot.entering);
      }
      Pair kv(std::move(key), std::move(value));
      if (filter_(static_cast<const Pair&>(kv))) writer(std::move(kv));
    }
    writer.flush();
  }

 private:
  struct Slot {
    std::optional<V> previous;
    std::optional<V> leaving;
    std::optional<V> entering;
  };

  static std::vector<std::shared_ptr<RddNodeBase>> parentsOf(
      const std::shared_ptr<RddNode<Pair>>& previous,
      const std::vector<std::shared_ptr<RddNode<Pair>>>& olds,
      const std::vector<std::shared_ptr<RddNode<Pair>>>& news) {
    std::vector<std::shared_ptr<RddNodeBase>> out;
    if (previous) out.push_back(previous);
    out.insert(out.end(), olds.begin(), olds.end());
    out.insert(out.end(), news.begin(), news.end());
    return out;
  }

  std::shared_ptr<RddNode<Pair>> previous_;
  std::vector<std::shared_ptr<RddNode<Pair>>> olds_;
  std::vector<std::shared_ptr<RddNode<Pair>>> news_;
  F f_;
  G inv_;
  P filter_;
};

/// Keeps every pair (no filterFunc given).
struct KeepAll {
  template <class X>
  bool operator()(const X&) const {
    return true;
  }
};

/// Spark's ReducedWindowedDStream: the window at t is the window at t - slide, minus the reduced
/// batches that left it (through the inverse function), plus those that entered it. Each slide
/// reads only the batches that moved, whatever the window's length. Both this stream and the
/// per-batch reduced stream persist serialized by default, since each RDD is read again by later
/// windows.
template <class K, class V, class F, class G, class P>
class ReducedWindowedNode final : public DStreamNode<std::pair<K, V>> {
  using Pair = std::pair<K, V>;

 public:
  ReducedWindowedNode(std::shared_ptr<DStreamNode<Pair>> parent,
                      std::shared_ptr<DStreamNode<Pair>> reduced, Duration window, Duration slide,
                      int num_partitions, F f, G inv, P filter)
      : DStreamNode<Pair>(parent->context(), {reduced}, "ReducedWindowedDStream"),
        parent_slide_(parent->slideDuration()),
        reduced_(std::move(reduced)),
        window_(window),
        slide_(slide),
        num_partitions_(num_partitions),
        f_(std::move(f)),
        inv_(std::move(inv)),
        filter_(std::move(filter)) {
    checkWindowDuration("window duration", window_, parent_slide_);
    checkWindowDuration("slide duration", slide_, parent_slide_);
    StorageLevel level =
        kSerializable<Pair> ? StorageLevel::MEMORY_ONLY_SER : StorageLevel::MEMORY_ONLY;
    ReducedWindowedNode::setStorageLevel(level);
  }

  /// As Spark, persisting this stream persists the per-batch reduced stream at the same level.
  void setStorageLevel(const StorageLevel& level) override {
    DStreamNode<Pair>::setStorageLevel(level);
    reduced_->setStorageLevel(level);
  }

  Duration slideDuration() const override { return slide_; }
  Duration parentRememberDuration(Duration own) const override { return own + window_; }
  bool mustCheckpoint() const override { return true; }
  std::string paramsToString() const override {
    return "window " + window_.toString() + ", slide " + slide_.toString() + ", " +
           partitionsParam(num_partitions_);
  }

 protected:
  void forgetBefore(Time threshold) override { this->completeThenForget(threshold); }

  std::optional<Rdd<Pair>> compute(Time time) override {
    // Windows as intervals of batch times, both ends included.
    Time current_begin = time - window_ + parent_slide_;
    Time previous_begin = current_begin - slide_;
    Time previous_end = time - slide_;
    std::vector<std::shared_ptr<RddNode<Pair>>> olds =
        nodesOf(previous_begin, current_begin - parent_slide_);
    std::vector<std::shared_ptr<RddNode<Pair>>> news = nodesOf(previous_end + parent_slide_, time);
    std::shared_ptr<RddNode<Pair>> previous;
    if (previous_end > this->zeroTime()) {
      if (auto rdd = this->getOrComputeDetached(previous_end)) previous = rdd->node();
    }
    auto node = std::make_shared<WindowMergeNode<K, V, F, G, P>>(
        engineState(), num_partitions_, std::move(previous), std::move(olds), std::move(news), f_,
        inv_, filter_);
    return Rdd<Pair>(std::move(node));
  }

 private:
  /// The reduced batches in [from, to] (an empty range when to < from); batches at or before
  /// zero time do not exist.
  std::vector<std::shared_ptr<RddNode<Pair>>> nodesOf(Time from, Time to) {
    std::vector<std::shared_ptr<RddNode<Pair>>> out;
    for (Time t = from; t <= to; t = t + parent_slide_) {
      if (t <= this->zeroTime()) continue;
      if (auto rdd = reduced_->getOrCompute(t)) out.push_back(rdd->node());
    }
    return out;
  }

  std::shared_ptr<EngineState> engineState() const {
    return this->context().sparkContext().state();
  }

  Duration parent_slide_;
  std::shared_ptr<DStreamNode<Pair>> reduced_;
  Duration window_;
  Duration slide_;
  int num_partitions_;
  F f_;
  G inv_;
  P filter_;
};

/// reduceByKeyAndWindow with an inverse function, of a stream or a chain: the reduced batches (on
/// a chain, the chain fused into each batch's map-side combine) enter and leave each window.
template <class H, class F, class G, class P>
auto streamReduceByKeyAndWindow(const H& stream, F f, G invF, Duration windowDuration,
                                Duration slideDuration, std::optional<int> numPartitions,
                                P filterFunc) {
  using T = typename H::value_type;
  EMBER_REQUIRE_PAIR(T, "reduceByKeyAndWindow");
  using K = KeyOf<T>;
  using V = ValueOf<T>;
  int n = streamingPartitions("reduceByKeyAndWindow", numPartitions, stream.context());
  DStream<T> reduced = stream.reduceByKey(f, n);
  return DStream<T>(std::make_shared<ReducedWindowedNode<K, V, F, G, P>>(
      stream.node(), reduced.node(), windowDuration, slideDuration, n, std::move(f),
      std::move(invF), std::move(filterFunc)));
}

/// countByValueAndWindow of a stream or a chain: a (value, 1) step and the incremental window.
template <class H>
auto streamCountByValueAndWindow(const H& stream, Duration windowDuration, Duration slideDuration,
                                 std::optional<int> numPartitions) {
  using P = std::pair<typename H::value_type, std::int64_t>;
  return stream.map([](typename H::value_type x) { return P(std::move(x), 1); })
      .reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, windowDuration, slideDuration,
                            numPartitions, [](const P& kv) { return kv.second != 0; });
}

}  // namespace detail

template <class T>
template <class F, detail::InverseReduceFor<T> G>
auto DStream<T>::reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                                      std::optional<int> numPartitions) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), std::move(invF), windowDuration,
                                            slideDuration, numPartitions, detail::KeepAll{});
}

template <class T>
template <class F, class G, detail::FilterFor<T> P>
auto DStream<T>::reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                                      P filterFunc) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), std::move(invF), windowDuration,
                                            slideDuration, std::nullopt, std::move(filterFunc));
}

template <class T>
template <class F, class G, detail::FilterFor<T> P>
auto DStream<T>::reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                                      std::optional<int> numPartitions, P filterFunc) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), std::move(invF), windowDuration,
                                            slideDuration, numPartitions, std::move(filterFunc));
}

template <class T, class Src, class Step>
template <class F, detail::InverseReduceFor<T> G>
auto PipelineDStream<T, Src, Step>::reduceByKeyAndWindow(F f, G invF, Duration windowDuration,
                                                         Duration slideDuration,
                                                         std::optional<int> numPartitions) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), std::move(invF), windowDuration,
                                            slideDuration, numPartitions, detail::KeepAll{});
}

template <class T, class Src, class Step>
template <class F, class G, detail::FilterFor<T> P>
auto PipelineDStream<T, Src, Step>::reduceByKeyAndWindow(F f, G invF, Duration windowDuration,
                                                         Duration slideDuration,
                                                         P filterFunc) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), std::move(invF), windowDuration,
                                            slideDuration, std::nullopt, std::move(filterFunc));
}

template <class T, class Src, class Step>
template <class F, class G, detail::FilterFor<T> P>
auto PipelineDStream<T, Src, Step>::reduceByKeyAndWindow(F f, G invF, Duration windowDuration,
                                                         Duration slideDuration,
                                                         std::optional<int> numPartitions,
                                                         P filterFunc) const {
  return detail::streamReduceByKeyAndWindow(*this, std::move(f), std::move(invF), windowDuration,
                                            slideDuration, numPartitions, std::move(filterFunc));
}

template <class T>
template <class F, class G>
DStream<T> DStream<T>::reduceByWindow(F f, G invF, Duration windowDuration,
                                      Duration slideDuration) const {
  using P = std::pair<int, T>;
  return map([](T x) { return P(1, std::move(x)); })
      .reduceByKeyAndWindow(f, invF, windowDuration, slideDuration, 1)
      .map([](P kv) { return std::move(kv.second); });
}

template <class T>
DStream<std::int64_t> DStream<T>::countByWindow(Duration windowDuration,
                                                Duration slideDuration) const {
  return map([](const T&) { return std::int64_t{1}; })
      .reduceByWindow(std::plus<>{}, std::minus<>{}, windowDuration, slideDuration);
}

template <class T>
auto DStream<T>::countByValueAndWindow(Duration windowDuration, Duration slideDuration,
                                       std::optional<int> numPartitions) const {
  return detail::streamCountByValueAndWindow(*this, windowDuration, slideDuration, numPartitions);
}

template <class T, class Src, class Step>
auto PipelineDStream<T, Src, Step>::countByValueAndWindow(Duration windowDuration,
                                                          Duration slideDuration,
                                                          std::optional<int> numPartitions) const {
  return detail::streamCountByValueAndWindow(*this, windowDuration, slideDuration, numPartitions);
}

}  // namespace ember
