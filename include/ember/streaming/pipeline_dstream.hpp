#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/pipeline.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/ops/transform.hpp"

namespace ember {

namespace detail {

template <class T>
struct NodeBaseOf<DStreamNode<T>> {
  using type = DStreamNodeBase;
};

/// True when a fused chain must read through its streams' RDDs at `time`: one of them is
/// persisted, or already made its RDD for that time (for an output of its own, which may have
/// persisted it), as the unfused chain would then read that RDD.
bool chainReadsThrough(const std::vector<std::shared_ptr<DStreamNodeBase>>& nodes, Time time);

}  // namespace detail

/// The stream map, flatMap and filter return: a `DStream<T>` that also knows the chain of
/// narrow streams it ends (the same Fusion as PipelineRdd's, its source a stream), so that an
/// operation on it that shuffles each batch (the keyed aggregations, windowed or not, and the
/// state operators) runs, for each batch, the dataset chain on the source's RDD straight into its
/// shuffle's map side; the chain's streams then make no RDD of their own. Every stream of the
/// chain still works on its own (outputs, windows, persist), and a chain one of whose streams is
/// persisted or already made its RDD for the batch reads that RDD, as without fusion. Used
/// everywhere a `DStream<T>` is; assigning another `DStream<T>` to it drops the fusion. Its
/// operations take, return and throw what `DStream<T>`'s do.
template <class T, class Src, class Step>
class PipelineDStream
    : public detail::ChainHandle<DStream<T>, detail::Fusion<detail::DStreamNode<Src>, Step>> {
  using Base = detail::ChainHandle<DStream<T>, detail::Fusion<detail::DStreamNode<Src>, Step>>;

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
  auto groupByKey(std::optional<int> numPartitions = std::nullopt) const;
  template <class Create, class MergeValue, class MergeCombiners>
  auto combineByKey(Create createCombiner, MergeValue mergeValue, MergeCombiners mergeCombiners,
                    std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/count.hpp
  auto countByValue(std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/window.hpp
  template <class F>
  auto reduceByKeyAndWindow(F f, Duration windowDuration) const;
  template <class F>
  auto reduceByKeyAndWindow(F f, Duration windowDuration, Duration slideDuration,
                            std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/reduced_window.hpp
  template <class F, detail::InverseReduceFor<T> G>
  auto reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                            std::optional<int> numPartitions = std::nullopt) const;
  template <class F, class G, detail::FilterFor<T> P>
  auto reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                            std::optional<int> numPartitions, P filterFunc) const;
  template <class F, class G, detail::FilterFor<T> P>
  auto reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                            P filterFunc) const;
  auto countByValueAndWindow(Duration windowDuration, Duration slideDuration,
                             std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/update_state.hpp
  template <class S = void, class F>
  auto updateStateByKey(F f) const;
  template <class S = void, class F>
  auto updateStateByKey(F f, int numPartitions) const;
  template <class S = void, class F, class S0>
  auto updateStateByKey(F f, int numPartitions,
                        const Rdd<std::pair<detail::KeyOf<T>, S0>>& initialRDD) const;
  template <class S = void, class F, class Initial = std::nullopt_t>
  auto updateStateByKey(F f, int numPartitions, bool rememberPartitioner,
                        const Initial& initialRDD = std::nullopt) const;

  // streaming/ops/map_with_state.hpp
  template <class K, class V, class S, class U>
  MapWithStateDStream<K, V, S, U> mapWithState(const StateSpec<K, V, S, U>& spec) const;
};

namespace detail {

/// The stream whose RDD at each batch is `parent`'s RDD followed by `step`, as the dataset
/// operator makes it.
template <class Out, class T, class Step>
std::shared_ptr<DStreamNode<Out>> stepStream(const std::shared_ptr<DStreamNode<T>>& parent,
                                             const Step& step) {
  auto apply = [step](const Rdd<T>& rdd, Time) { return Rdd<Out>(chainStep<Out>(rdd, step)); };
  return makeTransformed<Out>(parent, std::move(apply), Step::kOp).node();
}

/// `stream` followed by `step`: the first stream of a chain.
template <class Out, class T, class Step>
PipelineDStream<Out, T, Step> chainStep(const DStream<T>& stream, Step step) {
  auto node = stepStream<Out>(stream.node(), step);
  auto fusion = Fusion<DStreamNode<T>, Step>::start(stream.node(), std::move(step), node);
  return PipelineDStream<Out, T, Step>(std::move(node), std::move(fusion));
}

/// A chain one stream longer; the stream alone when the handle lost its chain.
template <class Out, class T, class Src, class Step, class Last>
auto chainStep(const PipelineDStream<T, Src, Step>& stream, Last last) {
  using Result = PipelineDStream<Out, Src, ThenStep<T, Step, Last>>;
  auto node = stepStream<Out>(stream.node(), last);
  auto fusion = stream.fusion();
  if (!fusion) return Result(std::move(node), nullptr);
  auto longer = fusion->template then<T>(std::move(last), node);
  return Result(std::move(node), std::move(longer));
}

/// What an operation on a stream ending a chain reads at each batch: the dataset chain replayed
/// on the source's RDD (a PipelineRdd, so that the operation's shuffle runs the chain), unless
/// the chain reads through its streams (chainReadsThrough) or the handle lost its chain: then
/// the stream's own RDD, as StreamBatches.
template <class T, class Src, class Step>
struct ChainBatches {
  std::shared_ptr<DStreamNode<T>> stream;
  std::shared_ptr<const Fusion<DStreamNode<Src>, Step>> fusion;

  template <class Fn>
  auto read(Time time, Fn&& fn) const {
    if (fusion && !chainReadsThrough(fusion->chain, time)) {
      std::optional<PipelineRdd<T, Src, Step>> chain;
      if (auto source = fusion->source->getOrCompute(time)) {
        chain.emplace(replayChain<T>(*source, fusion->step));
      }
      return fn(chain);
    }
    return fn(stream->getOrCompute(time));
  }
};

template <class T>
StreamBatches<T> batchesOf(const DStream<T>& stream) {
  return StreamBatches<T>{stream.node()};
}
template <class T, class Src, class Step>
ChainBatches<T, Src, Step> batchesOf(const PipelineDStream<T, Src, Step>& stream) {
  return ChainBatches<T, Src, Step>{stream.node(), stream.fusion()};
}

/// f(batch, Time) -> a dataset, as a new stream; the batch is `stream`'s RDD, or when `stream`
/// ends a chain, the chain on its source's RDD. f takes an Rdd<T> and a PipelineRdd alike.
/// `params` for paramsToString() (for keyed operations, their partition count).
template <class U, class H, class F>
DStream<U> transformBatches(const H& stream, F f, std::string name, std::string params = {}) {
  using Batches = decltype(batchesOf(stream));
  return DStream<U>(std::make_shared<BatchesNode<U, Batches, F>>(
      batchesOf(stream), std::move(f), std::move(name), std::move(params)));
}

}  // namespace detail

}  // namespace ember
