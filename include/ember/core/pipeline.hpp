#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/chunk_sink.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/rdd_node.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

// A step turns one input element into any number of outputs: `step(x, out)` with x an lvalue it
// may move from, and out a writer: out(U&&), out(const U&) and out.emplace(args...) each write
// one output. Writers are chunk writers between nodes, the next step within a fused chain, or
// the map-side combine of a shuffle.

/// Whether a step can read an element it must not move from (a source's, a cached block's).
/// Steps built here say so; other steps are asked through overload resolution.
template <class Step, class In, class W, class = void>
struct StepReadsConst : std::is_invocable<Step&, const In&, W&> {};
template <class Step, class In, class W>
struct StepReadsConst<Step, In, W, std::void_t<decltype(Step::template kReadsConst<In>)>>
    : std::bool_constant<Step::template kReadsConst<In>> {};

/// Runs a step over every element it is given, into a writer.
template <class In, class Step, class W>
class StepSink final : public ChunkSink<In> {
 public:
  StepSink(const Step& step, W& out) : step_(step), out_(out) {}
  void push(std::vector<In>& chunk) override {
    for (auto& x : chunk) step_(x, out_);
  }
  // Elements the producer keeps are read in place when the step allows it, so sources and caches
  // are not copied first.
  void pushConst(const std::vector<In>& data, std::size_t begin, std::size_t end) override {
    for (std::size_t i = begin; i < end; ++i) {
      if constexpr (StepReadsConst<Step, In, W>::value) {
        step_(data[i], out_);
      } else {
        In copy = data[i];
        step_(copy, out_);
      }
    }
  }

 private:
  Step step_;  // each task runs its own copy: user functions may keep state
  W& out_;
};

/// The writer that feeds the outputs of one step, of element type Mid, to the next step.
template <class Mid, class Next, class W>
class ThenWriter {
 public:
  ThenWriter(Next& next, W& out) : next_(next), out_(out) {}
  EMBER_INLINE void operator()(Mid&& x) { next_(x, out_); }
  EMBER_INLINE void operator()(const Mid& x) {
    if constexpr (StepReadsConst<Next, Mid, W>::value) {
      next_(x, out_);
    } else {
      Mid copy = x;
      next_(copy, out_);
    }
  }
  template <class... Args>
  EMBER_INLINE void emplace(Args&&... args) {
    if constexpr (requires { &Next::template emplaced<Mid, W, Args...>; }) {
      next_.template emplaced<Mid>(out_, std::forward<Args>(args)...);
    } else {
      Mid x(std::forward<Args>(args)...);
      next_(x, out_);
    }
  }

 private:
  Next& next_;
  W& out_;
};

/// Two steps as one: what `first` writes (elements of type Mid) goes straight into `second`.
template <class Mid, class First, class Second>
struct ThenStep {
  First first;
  Second second;

  template <class X>
  static constexpr bool kReadsConst = First::template kReadsConst<X>;

  template <class X, class W>
  EMBER_INLINE void operator()(X& x, W& out) {
    ThenWriter<Mid, Second, W> next(second, out);
    first(x, next);
  }
};

/// True when one of the nodes is persisted: a fused chain must then read through it, so that
/// the node's blocks are stored and served as Spark's would be.
bool anyPersisted(const std::vector<std::shared_ptr<RddNodeBase>>& nodes);

/// A chain of narrow steps fused into one node. It reads `source` through `fused` (every step of
/// the chain in one loop, no chunk between steps). When one of the chain's earlier nodes
/// (`between`) is persisted, or there is no fused form, it reads `prev` (the node before it)
/// through `last` (its own step) instead. Its lineage shows `prev` as its parent, as Spark's
/// does.
template <class Src, class Out, class Fused, class Mid = Src, class Last = Fused>
class PipelineNode final : public RddNode<Out> {
 public:
  PipelineNode(std::shared_ptr<RddNode<Src>> source, std::optional<Fused> fused,
               std::shared_ptr<RddNode<Mid>> prev, Last last,
               std::vector<std::shared_ptr<RddNodeBase>> between, const char* op)
      : RddNode<Out>(prev->engineState(), prev->numPartitions(), {prev}),
        source_(std::move(source)),
        fused_(std::move(fused)),
        prev_(std::move(prev)),
        last_(std::move(last)),
        between_(std::move(between)),
        op_(op) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<Out>& out) const override {
    ChunkWriter<Out> writer(out);
    if (source_ && fused_ && !anyPersisted(between_)) {
      StepSink<Src, Fused, ChunkWriter<Out>> sink(*fused_, writer);
      source_->iterate(ctx, partition, sink);
    } else {
      StepSink<Mid, Last, ChunkWriter<Out>> sink(last_, writer);
      prev_->iterate(ctx, partition, sink);
    }
    writer.flush();
  }
  std::string name() const override { return "MapPartitionsRDD"; }
  std::string paramsToString() const override { return op_; }

 private:
  std::shared_ptr<RddNode<Src>> source_;
  std::optional<Fused> fused_;
  std::shared_ptr<RddNode<Mid>> prev_;
  Last last_;
  std::vector<std::shared_ptr<RddNodeBase>> between_;
  const char* op_;
};

/// One narrow step on `parent`, as a plain dataset (operators that do not fuse further).
template <class In, class Out, class Step>
Rdd<Out> makePipeline(const std::shared_ptr<RddNode<In>>& parent, Step step, const char* op) {
  return Rdd<Out>(std::make_shared<PipelineNode<In, Out, Step>>(
      parent, step, parent, step, std::vector<std::shared_ptr<RddNodeBase>>{}, op));
}

/// The type-erased base of a family of nodes: datasets' here, streams' in
/// streaming/pipeline_dstream.hpp.
template <class Node>
struct NodeBaseOf;
template <class T>
struct NodeBaseOf<RddNode<T>> {
  using type = RddNodeBase;
};

/// A chain of narrow steps, of datasets and of streams alike: what the chain reads (`source`, the
/// last node that is not one of its steps), every step of the chain composed into one (`step`),
/// and the chain's own nodes (`chain`, the one it ends at last). A dataset chain runs `step` over
/// the source's partitions; a stream chain runs it over the source's RDD of each batch, by
/// rebuilding the dataset chain there (replayChain).
template <class Source, class Step>
struct Fusion {
  using Member = typename NodeBaseOf<Source>::type;

  std::shared_ptr<Source> source;
  Step step;
  std::vector<std::shared_ptr<Member>> chain;

  /// The chain of one step that `node` makes of `source`.
  static std::shared_ptr<const Fusion> start(std::shared_ptr<Source> source, Step step,
                                             std::shared_ptr<Member> node) {
    return std::make_shared<const Fusion>(Fusion{std::move(source), std::move(step), {node}});
  }

  /// This chain followed by `last` (reading elements of type Mid), ending at `node`.
  template <class Mid, class Last>
  std::shared_ptr<const Fusion<Source, ThenStep<Mid, Step, Last>>> then(
      Last last, std::shared_ptr<Member> node) const {
    using Longer = Fusion<Source, ThenStep<Mid, Step, Last>>;
    auto nodes = chain;
    nodes.push_back(std::move(node));
    return std::make_shared<const Longer>(
        Longer{source, ThenStep<Mid, Step, Last>{step, std::move(last)}, std::move(nodes)});
  }
};

/// A dataset or stream handle (`Handle`, an Rdd or a DStream) that also carries the chain of
/// narrow operators it ends (`Chain`, a Fusion whose `chain` ends at this handle's node).
template <class Handle, class Chain>
class ChainHandle : public Handle {
 public:
  template <class Node>
  ChainHandle(Node node, std::shared_ptr<const Chain> chain)
      : Handle(std::move(node)), chain_(std::move(chain)) {}

  /// Another handle's dataset or stream, without a chain.
  ChainHandle& operator=(const Handle& other) {
    Handle::operator=(other);
    chain_.reset();
    return *this;
  }

  /// The chain, or null when it was dropped by an assignment (also one through a `Handle&`,
  /// which leaves a chain that no longer ends at this handle's node).
  std::shared_ptr<const Chain> fusion() const {
    if (chain_ && !chain_->chain.empty() && chain_->chain.back() == this->node()) return chain_;
    return nullptr;
  }

 private:
  std::shared_ptr<const Chain> chain_;
};

}  // namespace detail

/// The dataset a narrow operator (map, flatMap, filter) returns: an `Rdd<T>` that also knows the
/// chain of steps it was made by, from the last dataset that is not such a chain (`Src`). A
/// further map, flatMap or filter composes its step into the chain at compile time, and a keyed
/// aggregation or a shuffle runs the whole chain straight into its map side: records do not pass
/// through a chunk between operators. Used everywhere an `Rdd<T>` is; assigning another
/// `Rdd<T>` to it keeps it correct and drops the fusion. Its operations take, return and throw
/// what `Rdd<T>`'s do.
template <class T, class Src, class Step>
class PipelineRdd : public detail::ChainHandle<Rdd<T>, detail::Fusion<detail::RddNode<Src>, Step>> {
  using Base = detail::ChainHandle<Rdd<T>, detail::Fusion<detail::RddNode<Src>, Step>>;

 public:
  using Base::Base;
  using Base::operator=;

  // Element-wise transformations, fused: core/ops/map.hpp
  template <class F>
  auto map(F f) const;
  template <class U = void, class F>
  auto flatMap(F f) const;
  template <class F>
  auto filter(F f) const;

  // Keyed aggregations reading the chain directly: core/ops/combine_by_key.hpp
  template <class Create, class MergeValue, class MergeCombiners>
  auto combineByKey(Create createCombiner, MergeValue mergeValue, MergeCombiners mergeCombiners,
                    std::optional<int> numPartitions = std::nullopt) const;
  template <class F>
  auto reduceByKey(F f, std::optional<int> numPartitions = std::nullopt) const;
  template <class U, class Seq, class Comb>
  auto aggregateByKey(U zeroValue, Seq seqOp, Comb combOp,
                      std::optional<int> numPartitions = std::nullopt) const;
  template <class V, class F>
  auto foldByKey(V zeroValue, F f, std::optional<int> numPartitions = std::nullopt) const;
  // core/ops/group_by_key.hpp
  auto groupByKey(std::optional<int> numPartitions = std::nullopt) const;
  auto partitionBy(int numPartitions) const;
};

namespace detail {

/// `rdd` followed by `step` (one of the narrow operators' steps, which name their operator as
/// `kOp`): the first step of a chain.
template <class Out, class T, class Step>
PipelineRdd<Out, T, Step> chainStep(const Rdd<T>& rdd, Step step) {
  auto node = std::make_shared<PipelineNode<T, Out, Step>>(
      rdd.node(), step, rdd.node(), step, std::vector<std::shared_ptr<RddNodeBase>>{}, Step::kOp);
  auto fusion = Fusion<RddNode<T>, Step>::start(rdd.node(), std::move(step), node);
  return PipelineRdd<Out, T, Step>(std::move(node), std::move(fusion));
}

/// A chain one step longer; a plain step on the chain's last dataset when the handle lost its
/// chain.
template <class Out, class T, class Src, class Step, class Last>
auto chainStep(const PipelineRdd<T, Src, Step>& rdd, Last last) {
  using Fused = ThenStep<T, Step, Last>;
  using Node = PipelineNode<Src, Out, Fused, T, Last>;
  using Result = PipelineRdd<Out, Src, Fused>;
  auto fusion = rdd.fusion();
  if (!fusion) {
    auto node = std::make_shared<Node>(nullptr, std::nullopt, rdd.node(), std::move(last),
                                       std::vector<std::shared_ptr<RddNodeBase>>{}, Last::kOp);
    return Result(std::move(node), nullptr);
  }
  auto node = std::make_shared<Node>(fusion->source, Fused{fusion->step, last}, rdd.node(), last,
                                     fusion->chain, Last::kOp);
  auto longer = fusion->template then<T>(std::move(last), node);
  return Result(std::move(node), std::move(longer));
}

template <class Step>
struct ThenParts : std::false_type {};
template <class Mid_, class First, class Second>
struct ThenParts<ThenStep<Mid_, First, Second>> : std::true_type {
  using Mid = Mid_;
};

/// The datasets a chain's composed steps (as a Fusion holds them) make of `source`: one node per
/// step, as the operators applied one by one make them, the last one carrying the fusion. How a
/// stream's chain runs on each batch.
template <class Out, class Src, class Step>
PipelineRdd<Out, Src, Step> replayChain(const Rdd<Src>& source, const Step& step) {
  if constexpr (ThenParts<Step>::value) {
    using Mid = typename ThenParts<Step>::Mid;
    return chainStep<Out>(replayChain<Mid>(source, step.first), step.second);
  } else {
    return chainStep<Out>(source, step);
  }
}

/// Feeds the records of a chain to a writer: the source through the composed steps when no node
/// of the chain is persisted, else the chain's last node.
template <class T, class Src, class Step>
struct PipelineFeed {
  std::shared_ptr<RddNode<T>> node;
  std::shared_ptr<const Fusion<RddNode<Src>, Step>> fusion;

  template <class W>
  void operator()(const TaskContext& ctx, int partition, W& out) const {
    if (fusion && !anyPersisted(fusion->chain)) {
      StepSink<Src, Step, W> sink(fusion->step, out);
      fusion->source->iterate(ctx, partition, sink);
    } else {
      ElementSink<T, W> sink(out);
      node->iterate(ctx, partition, sink);
    }
  }
};

/// What feeds a shuffle's map side with a dataset's records: the dataset itself, or a chain's
/// steps run on its source.
template <class T>
NodeFeed<T> feedOf(const Rdd<T>& rdd) {
  return NodeFeed<T>{rdd.node()};
}
template <class T, class Src, class Step>
PipelineFeed<T, Src, Step> feedOf(const PipelineRdd<T, Src, Step>& rdd) {
  return PipelineFeed<T, Src, Step>{rdd.node(), rdd.fusion()};
}

}  // namespace detail

}  // namespace ember
