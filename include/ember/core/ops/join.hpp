#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "ember/core/ops/group_by_key.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/rdd.hpp"

namespace ember {

namespace detail {

/// Spark's CoGroupedRDD for two inputs: both are hash-shuffled to the same partitions and each
/// key yields the values of both sides, in arrival order.
template <class K, class V, class W>
class CoGroupedNode final
    : public RddNode<std::pair<K, std::pair<std::vector<V>, std::vector<W>>>> {
 public:
  using Out = std::pair<K, std::pair<std::vector<V>, std::vector<W>>>;
  CoGroupedNode(std::shared_ptr<ShuffleDependency<K, V>> left,
                std::shared_ptr<ShuffleDependency<K, W>> right)
      : RddNode<Out>(left->parent()->engineState(), left->numReducePartitions(), {}, {left, right}),
        left_(std::move(left)),
        right_(std::move(right)) {}

  void compute(const TaskContext&, int partition, ChunkSink<Out>& out) const override {
    KeyMap<K, std::pair<std::vector<V>, std::vector<W>>> groups;
    auto on_left = [&](std::pair<K, V>& x) {
      groups[std::move(x.first)].first.push_back(std::move(x.second));
    };
    auto on_right = [&](std::pair<K, W>& x) {
      groups[std::move(x.first)].second.push_back(std::move(x.second));
    };
    auto left_sink = makeEachSink<std::pair<K, V>>(on_left);
    auto right_sink = makeEachSink<std::pair<K, W>>(on_right);
    left_->read(partition, left_sink);
    right_->read(partition, right_sink);
    ChunkWriter<Out> writer(out);
    for (auto& kv : groups) writer.emplace(std::move(kv.first), std::move(kv.second));
    writer.flush();
  }
  std::string name() const override { return "CoGroupedRDD"; }

 private:
  std::shared_ptr<ShuffleDependency<K, V>> left_;
  std::shared_ptr<ShuffleDependency<K, W>> right_;
};

/// Emits the joined pairs of one cogrouped key. Left/right outer sides missing on a key are
/// filled with std::nullopt, as Spark's Option.
template <bool kLeftOuter, bool kRightOuter, class K, class V, class W, class Out>
void emitJoined(std::pair<K, std::pair<std::vector<V>, std::vector<W>>>& group,
                ChunkWriter<Out>& out) {
  auto& [vs, ws] = group.second;
  using L = std::conditional_t<kRightOuter, std::optional<V>, V>;
  using R = std::conditional_t<kLeftOuter, std::optional<W>, W>;
  if (!vs.empty() && !ws.empty()) {
    for (const auto& v : vs) {
      for (const auto& w : ws) out.emplace(group.first, std::pair<L, R>(L(v), R(w)));
    }
  } else if constexpr (kLeftOuter) {
    if (ws.empty()) {
      for (auto& v : vs) out.emplace(group.first, std::pair<L, R>(L(std::move(v)), R()));
    }
  }
  if constexpr (kRightOuter) {
    if (vs.empty()) {
      for (auto& w : ws) out.emplace(group.first, std::pair<L, R>(L(), R(std::move(w))));
    }
  }
}

/// cogroup of a dataset of pairs, or of a chain of them (whose steps then run straight into the
/// shuffle's map side), with `other`, into `partitions` partitions.
template <class R, class W>
auto cogroupOf(const R& rdd, const Rdd<std::pair<KeyOf<typename R::value_type>, W>>& other,
               int partitions) {
  using K = KeyOf<typename R::value_type>;
  using V = ValueOf<typename R::value_type>;
  return Rdd<std::pair<K, std::pair<std::vector<V>, std::vector<W>>>>(
      std::make_shared<CoGroupedNode<K, V, W>>(plainHashShuffle(rdd, partitions),
                                               plainHashShuffle(other, partitions)));
}

}  // namespace detail

template <class T>
template <class W>
auto Rdd<T>::cogroup(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,
                     std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "cogroup");
  int partitions = detail::resolvePartitions("cogroup", numPartitions, node_->engine(),
                                             {getNumPartitions(), other.getNumPartitions()});
  return detail::cogroupOf(*this, other, partitions);
}

#define EMBER_DEFINE_JOIN(NAME, LEFT_OUTER, RIGHT_OUTER)                   \
  template <class T>                                                       \
  template <class W>                                                       \
  auto Rdd<T>::NAME(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,      \
                    std::optional<int> numPartitions) const {              \
    EMBER_REQUIRE_PAIR(T, #NAME);                                          \
    /* Checked here too, so that the error names the join, not cogroup. */ \
    if (numPartitions) detail::checkPartitions(#NAME, *numPartitions);     \
    using K = detail::KeyOf<T>;                                            \
    using V = detail::ValueOf<T>;                                          \
    using L = std::conditional_t<RIGHT_OUTER, std::optional<V>, V>;        \
    using R = std::conditional_t<LEFT_OUTER, std::optional<W>, W>;         \
    using Out = std::pair<K, std::pair<L, R>>;                             \
    using Group = std::pair<K, std::pair<std::vector<V>, std::vector<W>>>; \
    return detail::makePipeline<Group, Out>(                               \
        cogroup(other, numPartitions).node(),                              \
        [](Group& g, ChunkWriter<Out>& out) {                              \
          detail::emitJoined<LEFT_OUTER, RIGHT_OUTER>(g, out);             \
        },                                                                 \
        #NAME);                                                            \
  }

EMBER_DEFINE_JOIN(join, false, false)
EMBER_DEFINE_JOIN(leftOuterJoin, true, false)
EMBER_DEFINE_JOIN(rightOuterJoin, false, true)
EMBER_DEFINE_JOIN(fullOuterJoin, true, true)

#undef EMBER_DEFINE_JOIN

}  // namespace ember
