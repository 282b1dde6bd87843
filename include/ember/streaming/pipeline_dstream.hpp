#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/pipeline.hpp"
#include "ember/streaming/dstream.hpp"

namespace ember {

namespace detail {

/// A chain of narrow streams (map, flatMap, filter) from the last stream that is not one
/// (`source`): `build` applies the chain's operators to the source's RDD of a batch, giving a
/// fused PipelineRdd; `chain` lists the chain's streams.
template <class Src, class Build>
struct StreamFusion {
  std::shared_ptr<DStreamNode<Src>> source;
  Build build;
  std::vector<std::shared_ptr<DStreamNodeBase>> chain;
};

/// True when a fused chain must read through its streams' RDDs at `time`: one of them is
/// persisted, or already made its RDD for that time (for an output of its own, which may have
/// persisted it), as the unfused chain would then read that RDD.
bool chainReadsThrough(const std::vector<std::shared_ptr<DStreamNodeBase>>& nodes, Time time);

}  // namespace detail

/// The stream map, flatMap and filter return: a `DStream<T>` that also knows the chain of
/// narrow streams it ends, so that a keyed aggregation on it runs the whole chain, for each
/// batch, straight into its map-side combine (see PipelineRdd). Every stream of the chain still
/// works on its own (outputs, windows, persist). Used everywhere a `DStream<T>` is; assigning
/// another `DStream<T>` to it drops the fusion. Its operations take, return and throw what
/// `DStream<T>`'s do.
template <class T, class Src, class Build>
class PipelineDStream : public detail::ChainHandle<DStream<T>, detail::StreamFusion<Src, Build>> {
  using Base = detail::ChainHandle<DStream<T>, detail::StreamFusion<Src, Build>>;

 public:
  using Base::Base;
  using Base::operator=;

  // streaming/ops/map.hpp
  template <class F>
  auto map(F f) const;
  template <class U = void, class F>
  auto flatMap(F f) const;
  template <class F>
  auto filter(F f) const;

  // streaming/ops/pair.hpp
  template <class F>
  auto reduceByKey(F f, std::optional<int> numPartitions = std::nullopt) const;
};

namespace detail {

/// `stream` (made by applying `op` to each RDD of `parent`) as the first stream of a chain.
template <class U, class T, class Op>
auto startStreamPipeline(const DStream<U>& stream, const std::shared_ptr<DStreamNode<T>>& parent,
                         Op op) {
  using Fusion = StreamFusion<T, Op>;
  auto fusion = std::make_shared<const Fusion>(Fusion{parent, std::move(op), {stream.node()}});
  return PipelineDStream<U, T, Op>(stream.node(), std::move(fusion));
}

/// `stream` (made by applying `op` to each RDD of `chain`'s last stream) as one more stream of
/// the chain.
template <class U, class T, class Src, class Build, class Op>
auto extendStreamPipeline(const DStream<U>& stream, const PipelineDStream<T, Src, Build>& chain,
                          Op op) {
  auto previous = chain.fusion();
  auto build = [prev = previous ? std::optional<Build>(previous->build) : std::nullopt,
                op](const Rdd<Src>& rdd) mutable { return op((*prev)(rdd)); };
  using Fusion = StreamFusion<Src, decltype(build)>;
  using Result = PipelineDStream<U, Src, decltype(build)>;
  if (!previous) return Result(stream.node(), nullptr);
  auto nodes = previous->chain;
  nodes.push_back(stream.node());
  auto fusion =
      std::make_shared<const Fusion>(Fusion{previous->source, std::move(build), std::move(nodes)});
  return Result(stream.node(), std::move(fusion));
}

/// A keyed aggregation at the end of a chain: for each batch, the chain rebuilt on the source's
/// RDD and aggregated (`aggregate(PipelineRdd)`), unless the chain reads through its streams
/// (chainReadsThrough), in which case the last stream's RDD is aggregated (`aggregate(Rdd<T>)`),
/// as without fusion.
template <class T, class U, class Src, class Build, class Aggregate>
class FusedAggregateNode final : public DStreamNode<U> {
 public:
  FusedAggregateNode(std::shared_ptr<DStreamNode<T>> parent,
                     std::shared_ptr<const StreamFusion<Src, Build>> fusion, Aggregate aggregate,
                     std::string name, std::string params)
      : DStreamNode<U>(parent->context(), {parent}, std::move(name)),
        parent_(std::move(parent)),
        fusion_(std::move(fusion)),
        aggregate_(std::move(aggregate)),
        params_(std::move(params)) {}

  std::string paramsToString() const override { return params_; }

 protected:
  std::optional<Rdd<U>> compute(Time time) override {
    if (!chainReadsThrough(fusion_->chain, time)) {
      auto source = fusion_->source->getOrCompute(time);
      if (!source) return std::nullopt;
      Build build = fusion_->build;
      return aggregate_(build(*source));
    }
    auto rdd = parent_->getOrCompute(time);
    if (!rdd) return std::nullopt;
    return aggregate_(*rdd);
  }

 private:
  std::shared_ptr<DStreamNode<T>> parent_;
  std::shared_ptr<const StreamFusion<Src, Build>> fusion_;
  Aggregate aggregate_;
  std::string params_;
};

}  // namespace detail

}  // namespace ember
