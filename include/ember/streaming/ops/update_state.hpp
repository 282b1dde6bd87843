#pragma once

#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/ops/group_by_key.hpp"
#include "ember/core/ops/join.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/pipeline_dstream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

// The state type S, when not given, is read from the update function's declared return type
// (std::optional<S>, or a collection of std::pair<K, S>), else from the initial RDD.

template <class M>
struct MemberCallResult {
  using type = void;
};
template <class R, class C, class... A>
struct MemberCallResult<R (C::*)(A...)> {
  using type = R;
};
template <class R, class C, class... A>
struct MemberCallResult<R (C::*)(A...) const> {
  using type = R;
};
template <class R, class C, class... A>
struct MemberCallResult<R (C::*)(A...) noexcept> {
  using type = R;
};
template <class R, class C, class... A>
struct MemberCallResult<R (C::*)(A...) const noexcept> {
  using type = R;
};

/// The return type of a callable with one non-template call operator, or of a function pointer;
/// void for generic lambdas and overloaded functors.
template <class F, class = void>
struct DeclaredCallResult {
  using type = void;
};
template <class F>
struct DeclaredCallResult<F, std::void_t<decltype(&F::operator())>>
    : MemberCallResult<decltype(&F::operator())> {};
template <class R, class... A>
struct DeclaredCallResult<R (*)(A...), void> {
  using type = R;
};
template <class R, class... A>
struct DeclaredCallResult<R (*)(A...) noexcept, void> {
  using type = R;
};

template <class R>
struct StateOfResult {
  using type = void;
};
template <class S>
struct StateOfResult<std::optional<S>> {
  using type = S;
};
template <class R>
requires requires(R& r) {
  std::begin(r);
} && kIsPair<IterableElement<R>>
struct StateOfResult<R> {
  using type = ValueOf<IterableElement<R>>;
};

/// What an initial state argument holds: nothing, an Rdd<std::pair<K, S>>, or an optional one.
template <class I>
struct InitialState {
  static constexpr bool kValid = false;
  using type = void;
  using pair = void;
};
template <>
struct InitialState<std::nullopt_t> {
  static constexpr bool kValid = true;
  using type = void;
  using pair = void;
};
template <class P>
struct InitialState<Rdd<P>> {
  static constexpr bool kValid = kIsPair<P>;
  using type = ValueOf<P>;
  using pair = P;
};
template <class P, class Src, class Step>
struct InitialState<PipelineRdd<P, Src, Step>> : InitialState<Rdd<P>> {};
template <class P>
struct InitialState<std::optional<Rdd<P>>> : InitialState<Rdd<P>> {};
template <class P, class Src, class Step>
struct InitialState<std::optional<PipelineRdd<P, Src, Step>>> : InitialState<Rdd<P>> {};

template <class Given, class FromFunction, class FromInitial>
using PickState = std::conditional_t<
    !std::is_void_v<Given>, Given,
    std::conditional_t<!std::is_void_v<FromFunction>, FromFunction, FromInitial>>;

enum class UpdateForm { kNone, kValues, kTimed, kPartition };

template <class K, class V, class S>
using StateRow = std::tuple<K, std::vector<V>, std::optional<S>>;

template <class F, class K, class V, class S>
constexpr UpdateForm updateFormOf() {
  if constexpr (std::is_invocable_v<F&, Time, const K&, const std::vector<V>&,
                                    const std::optional<S>&>) {
    return UpdateForm::kTimed;
  } else if constexpr (std::is_invocable_v<F&, const std::vector<V>&, const std::optional<S>&>) {
    return UpdateForm::kValues;
  } else if constexpr (std::is_invocable_v<F&, std::vector<StateRow<K, V, S>>&&>) {
    return UpdateForm::kPartition;
  } else {
    return UpdateForm::kNone;
  }
}

/// f(values, state) or f(time, key, values, state), called once per key.
template <class K, class V, class S, class F>
class KeyUpdate {
 public:
  static constexpr bool kPerPartition = false;
  explicit KeyUpdate(F f) : f_(std::move(f)) {}

  std::optional<S> operator()(Time time, const K& key, std::vector<V>& values,
                              std::optional<S>& state) {
    // The values and the state are the function's to take when it accepts them by value.
    if constexpr (updateFormOf<F, K, V, S>() == UpdateForm::kTimed) {
      if constexpr (std::is_invocable_v<F&, Time, const K&, std::vector<V>&&, std::optional<S>&&>) {
        return f_(time, key, std::move(values), std::move(state));
      } else {
        return f_(time, key, std::as_const(values), std::as_const(state));
      }
    } else if constexpr (std::is_invocable_v<F&, std::vector<V>&&, std::optional<S>&&>) {
      return f_(std::move(values), std::move(state));
    } else {
      return f_(std::as_const(values), std::as_const(state));
    }
  }

 private:
  F f_;
};

/// f(rows of one partition) returning the pairs to keep.
template <class K, class V, class S, class F>
class PartitionUpdate {
 public:
  static constexpr bool kPerPartition = true;
  explicit PartitionUpdate(F f) : f_(std::move(f)) {}

  std::vector<std::pair<K, S>> operator()(Time, std::vector<StateRow<K, V, S>>&& rows) {
    using R = std::invoke_result_t<F&, std::vector<StateRow<K, V, S>>&&>;
    if constexpr (std::is_same_v<std::decay_t<R>, std::vector<std::pair<K, S>>>) {
      return f_(std::move(rows));
    } else {
      auto&& result = f_(std::move(rows));
      std::vector<std::pair<K, S>> out;
      for (auto&& x : result) out.emplace_back(std::forward<decltype(x)>(x));
      return out;
    }
  }

 private:
  F f_;
};

/// A container whose elements are moved out as it is iterated.
template <class C>
struct MovedElements {
  C items;
  auto begin() { return std::make_move_iterator(items.begin()); }
  auto end() { return std::make_move_iterator(items.end()); }
};

/// Spark's StateDStream: at each slide time, the state of every live key, computed from the
/// parent's batch and this stream's RDD one slide earlier (the initial RDD before there is one).
/// Every RDD is persisted (serialized when the types allow, as Spark), and the previous one is
/// read without its lineage (detached) once it is fully stored, so lineage stays one batch deep.
/// `Batches` reads the parent's batch (StreamBatches), or a chain's (ChainBatches): the batch's
/// shuffle (groupByKey, or cogroup with the state) then runs the chain on its map side.
template <class K, class V, class S, class Update, class Batches>
class StateNode final : public DStreamNode<std::pair<K, S>> {
 public:
  using P = std::pair<K, S>;
  using Row = StateRow<K, V, S>;

  /// `remember_partitioner` is Spark's flag for keeping the state's partitioner so that the next
  /// batch reads it without a shuffle. ember's datasets carry no partitioner yet: the previous
  /// state is shuffled again every batch whatever the flag says, which is what Spark does with
  /// false. Results are the same either way.
  StateNode(Batches batches, Update update, int partitions, bool remember_partitioner,
            std::optional<Rdd<P>> initial)
      : DStreamNode<P>(batches.stream->context(), {batches.stream}, "StateDStream"),
        batches_(std::move(batches)),
        update_(std::move(update)),
        partitions_(partitions),
        remember_partitioner_(remember_partitioner),
        initial_(std::move(initial)) {
    // Asked of K and S apart: cereal's std::pair claims to serialize whatever it holds.
    this->setStorageLevel(kSerializable<K> && kSerializable<S> ? StorageLevel::MEMORY_ONLY_SER
                                                               : StorageLevel::MEMORY_ONLY);
  }

  bool mustCheckpoint() const override { return true; }

  std::string paramsToString() const override {
    std::string params = "numPartitions " + std::to_string(partitions_);
    if (remember_partitioner_) params += ", rememberPartitioner";
    if (initial_) params += ", initialRDD";
    return params;
  }

 protected:
  std::optional<Rdd<P>> compute(Time time) override {
    std::optional<Rdd<P>> previous = this->getOrComputeDetached(time - this->slideDuration());
    return batches_.read(time, [&](const auto& batch) { return next(time, batch, previous); });
  }

  void forgetBefore(Time threshold) override { this->completeThenForget(threshold); }

 private:
  /// The state after `batch` (an optional Rdd or PipelineRdd of the batch's pairs).
  template <class Batch>
  std::optional<Rdd<P>> next(Time time, const std::optional<Batch>& batch,
                             std::optional<Rdd<P>> previous) const {
    if (!previous) {
      if (!batch) return std::nullopt;
      if (!initial_) {
        return updateEach(
            batch->groupByKey(partitions_), time, [](std::pair<K, std::vector<V>>& group) {
              return Row(std::move(group.first), std::move(group.second), std::nullopt);
            });
      }
      previous = initial_;
    }
    if (!batch) {
      return updateEach(*previous, time, [](P& kept) {
        return Row(std::move(kept.first), std::vector<V>{},
                   std::optional<S>(std::move(kept.second)));
      });
    }
    using Group = std::pair<K, std::pair<std::vector<V>, std::vector<S>>>;
    return updateEach(cogroupOf(*batch, *previous, partitions_), time, [](Group& group) {
      auto& [values, states] = group.second;
      std::optional<S> state;
      if (!states.empty()) state.emplace(std::move(states.front()));
      return Row(std::move(group.first), std::move(values), std::move(state));
    });
  }

  /// Applies the update to every (key, new values, previous state) row that `split` makes of an
  /// element of `in`.
  template <class In, class Split>
  Rdd<P> updateEach(const Rdd<In>& in, Time time, Split split) const {
    if constexpr (Update::kPerPartition) {
      auto fn = [update = update_, time, split](int, std::vector<In>&& records) mutable {
        std::vector<Row> rows;
        rows.reserve(records.size());
        for (auto& record : records) rows.push_back(split(record));
        return MovedElements<std::vector<P>>{update(time, std::move(rows))};
      };
      return Rdd<P>(std::make_shared<PartitionFunctionNode<In, P, decltype(fn)>>(
          in.node(), std::move(fn), "updateStateByKey"));
    } else {
      return makePipeline<In, P>(
          in.node(),
          [update = update_, time, split](In& record, ChunkWriter<P>& out) mutable {
            Row row = split(record);
            auto& [key, values, state] = row;
            if (std::optional<S> next = update(time, key, values, state)) {
              out.emplace(std::move(key), std::move(*next));
            }
          },
          "updateStateByKey");
    }
  }

  Batches batches_;
  Update update_;
  int partitions_;
  bool remember_partitioner_;
  std::optional<Rdd<P>> initial_;
};

/// The state stream of the batches `batches` reads under f; S is `Given` when not void.
template <class Given, class T, class Batches, class F, class Initial>
auto makeStateStream(Batches batches, F f, int partitions, bool remember_partitioner,
                     const Initial& initial) {
  using K = KeyOf<T>;
  using V = ValueOf<T>;
  using I = InitialState<Initial>;
  static_assert(I::kValid,
                "updateStateByKey: initialRDD must be an Rdd<std::pair<K, S>> or a "
                "std::optional of one");
  using S =
      PickState<Given,
                typename StateOfResult<std::decay_t<typename DeclaredCallResult<F>::type>>::type,
                typename I::type>;
  static_assert(!std::is_void_v<S>,
                "updateStateByKey cannot tell the state type S from this function (a generic "
                "lambda?): give it first, as updateStateByKey<S>(f), or declare f's return type");
  if constexpr (!std::is_void_v<S>) {
    using P = std::pair<K, S>;
    static_assert(std::is_void_v<typename I::pair> || std::is_same_v<typename I::pair, P>,
                  "updateStateByKey: initialRDD must hold std::pair<K, S>, with the stream's key "
                  "type K and the function's state type S");
    constexpr UpdateForm form = updateFormOf<F, K, V, S>();
    static_assert(form != UpdateForm::kNone,
                  "updateStateByKey expects one of\n"
                  "  f(const std::vector<V>& newValues, const std::optional<S>& state) -> "
                  "std::optional<S>\n"
                  "  f(Time, const K&, const std::vector<V>&, const std::optional<S>&) -> "
                  "std::optional<S>\n"
                  "  f(std::vector<std::tuple<K, std::vector<V>, std::optional<S>>>&&) -> "
                  "std::vector<std::pair<K, S>>");
    using Update = std::conditional_t<form == UpdateForm::kPartition, PartitionUpdate<K, V, S, F>,
                                      KeyUpdate<K, V, S, F>>;
    if constexpr (form == UpdateForm::kPartition) {
      using R = std::invoke_result_t<F&, std::vector<StateRow<K, V, S>>&&>;
      static_assert(std::is_convertible_v<IterableElement<R>, P>,
                    "updateStateByKey: the per-partition function must return a collection of "
                    "std::pair<K, S>");
    } else if constexpr (form == UpdateForm::kTimed) {
      static_assert(
          std::is_convertible_v<std::invoke_result_t<F&, Time, const K&, const std::vector<V>&,
                                                     const std::optional<S>&>,
                                std::optional<S>>,
          "updateStateByKey: the function must return std::optional<S>");
    } else {
      static_assert(std::is_convertible_v<
                        std::invoke_result_t<F&, const std::vector<V>&, const std::optional<S>&>,
                        std::optional<S>>,
                    "updateStateByKey: the function must return std::optional<S>");
    }
    std::optional<Rdd<P>> initial_rdd;
    if constexpr (!std::is_same_v<Initial, std::nullopt_t>) initial_rdd = initial;
    return DStream<P>(std::make_shared<StateNode<K, V, S, Update, Batches>>(
        std::move(batches), Update(std::move(f)), partitions, remember_partitioner,
        std::move(initial_rdd)));
  }
}

/// updateStateByKey of a stream or a chain; numPartitions left out is the default parallelism.
template <class S, class H, class F, class Initial>
auto streamUpdateStateByKey(const H& stream, F f, std::optional<int> numPartitions,
                            bool rememberPartitioner, const Initial& initialRDD) {
  EMBER_REQUIRE_PAIR(typename H::value_type, "updateStateByKey");
  int n = numPartitions ? checkPartitions("updateStateByKey", *numPartitions)
                        : streamingPartitions("updateStateByKey", std::nullopt, stream.context());
  return makeStateStream<S, typename H::value_type>(batchesOf(stream), std::move(f), n,
                                                    rememberPartitioner, initialRDD);
}

}  // namespace detail

template <class T>
template <class S, class F>
auto DStream<T>::updateStateByKey(F f) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), std::nullopt, false, std::nullopt);
}

template <class T>
template <class S, class F>
auto DStream<T>::updateStateByKey(F f, int numPartitions) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), numPartitions, false, std::nullopt);
}

template <class T>
template <class S, class F, class S0>
auto DStream<T>::updateStateByKey(F f, int numPartitions,
                                  const Rdd<std::pair<detail::KeyOf<T>, S0>>& initialRDD) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), numPartitions, false, initialRDD);
}

template <class T>
template <class S, class F, class Initial>
auto DStream<T>::updateStateByKey(F f, int numPartitions, bool rememberPartitioner,
                                  const Initial& initialRDD) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), numPartitions, rememberPartitioner,
                                           initialRDD);
}

template <class T, class Src, class Step>
template <class S, class F>
auto PipelineDStream<T, Src, Step>::updateStateByKey(F f) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), std::nullopt, false, std::nullopt);
}

template <class T, class Src, class Step>
template <class S, class F>
auto PipelineDStream<T, Src, Step>::updateStateByKey(F f, int numPartitions) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), numPartitions, false, std::nullopt);
}

template <class T, class Src, class Step>
template <class S, class F, class S0>
auto PipelineDStream<T, Src, Step>::updateStateByKey(
    F f, int numPartitions, const Rdd<std::pair<detail::KeyOf<T>, S0>>& initialRDD) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), numPartitions, false, initialRDD);
}

template <class T, class Src, class Step>
template <class S, class F, class Initial>
auto PipelineDStream<T, Src, Step>::updateStateByKey(F f, int numPartitions,
                                                     bool rememberPartitioner,
                                                     const Initial& initialRDD) const {
  return detail::streamUpdateStateByKey<S>(*this, std::move(f), numPartitions, rememberPartitioner,
                                           initialRDD);
}

}  // namespace ember
