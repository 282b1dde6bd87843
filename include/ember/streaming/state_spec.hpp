#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/chunk_sink.hpp"
#include "ember/core/error.hpp"
#include "ember/core/rdd.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/state.hpp"
#include "ember/streaming/state_map.hpp"

namespace ember {

namespace detail {

/// A mapWithState function with its type erased once per partition and batch: run() streams the
/// partition's records through the function, which is inlined in the per-record loop.
template <class K, class V, class S, class U>
class MappingFunction {
 public:
  virtual ~MappingFunction() = default;
  /// Calls the function for every record `readData` pushes to the sink it is given, then, when
  /// timeoutThreshold is set, for every key idle since before it; appends the outputs to `out`.
  /// Called from executor threads; rethrows what the function throws.
  virtual void run(typename StateMap<K, S>::Batch& batch, Time batchTime,
                   std::optional<std::int64_t> timeoutThreshold,
                   const std::function<void(ChunkSink<std::pair<K, V>>&)>& readData,
                   std::vector<U>& out) const = 0;
};

/// f(Time, const K&, const std::optional<V>&, State<S>&) -> std::optional<U>.
template <class F, class K, class V, class S>
inline constexpr bool kTimeAwareMapping =
    std::is_invocable_v<F&, Time, const K&, const std::optional<V>&, State<S>&>;

/// f(const K&, const std::optional<V>&, State<S>&) -> U.
template <class F, class K, class V, class S>
inline constexpr bool kPlainMapping =
    std::is_invocable_v<F&, const K&, const std::optional<V>&, State<S>&>;

template <class K, class V, class S, class U, class F>
class MappingFunctionImpl final : public MappingFunction<K, V, S, U> {
 public:
  explicit MappingFunctionImpl(F f) : f_(std::move(f)) {}

  void run(typename StateMap<K, S>::Batch& batch, Time batchTime,
           std::optional<std::int64_t> timeoutThreshold,
           const std::function<void(ChunkSink<std::pair<K, V>>&)>& readData,
           std::vector<U>& out) const override {
    F f = f_;  // a mutable lambda may keep per-partition state, as in mapPartitions
    RecordSink sink(f, batch, batchTime, out);
    readData(sink);
    if (timeoutThreshold) {
      const std::optional<V> none;
      batch.expire(*timeoutThreshold, [&](const K& key, State<S>& state) {
        call(f, batchTime, key, none, state, out);
      });
    }
  }

 private:
  static void call(F& f, Time time, const K& key, const std::optional<V>& value, State<S>& state,
                   std::vector<U>& out) {
    if constexpr (kTimeAwareMapping<F, K, V, S>) {
      auto&& result = f(time, key, value, state);
      if (result) out.emplace_back(std::move(*result));
    } else {
      out.emplace_back(f(key, value, state));
    }
  }

  class RecordSink final : public ChunkSink<std::pair<K, V>> {
   public:
    // How many records ahead the state's slots are prefetched: enough to cover a memory
    // access with the work of the records in between.
    static constexpr std::size_t kPrefetchAhead = 8;

    RecordSink(F& f, typename StateMap<K, S>::Batch& batch, Time time, std::vector<U>& out)
        : f_(f), batch_(batch), time_(time), out_(out) {}
    void push(std::vector<std::pair<K, V>>& chunk) override {
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (i + kPrefetchAhead < chunk.size()) batch_.prefetch(chunk[i + kPrefetchAhead].first);
        one(chunk[i].first, std::optional<V>(std::move(chunk[i].second)));
      }
    }
    void pushConst(const std::vector<std::pair<K, V>>& data, std::size_t begin,
                   std::size_t end) override {
      for (std::size_t i = begin; i < end; ++i) {
        if (i + kPrefetchAhead < end) batch_.prefetch(data[i + kPrefetchAhead].first);
        one(data[i].first, std::optional<V>(data[i].second));
      }
    }

   private:
    void one(const K& key, const std::optional<V>& value) {
      batch_.apply(key, [&](State<S>& state) { call(f_, time_, key, value, state, out_); });
    }
    F& f_;
    typename StateMap<K, S>::Batch& batch_;
    Time time_;
    std::vector<U>& out_;
  };

  F f_;
};

// The signature of a callable that is not generic: a function, a function pointer, or a class
// with one operator().
template <class F, class = void>
struct CallableSignature {
  static constexpr bool known = false;
};
template <class R, class... A>
struct CallableSignature<R (*)(A...), void> {
  static constexpr bool known = true;
  using result = R;
  using args = std::tuple<A...>;
};
template <class R, class... A>
struct CallableSignature<R (*)(A...) noexcept, void> : CallableSignature<R (*)(A...)> {};
template <class R, class... A>
struct CallableSignature<R(A...), void> : CallableSignature<R (*)(A...)> {};
template <class C, class R, class... A>
struct CallableSignature<R (C::*)(A...), void> : CallableSignature<R (*)(A...)> {};
template <class C, class R, class... A>
struct CallableSignature<R (C::*)(A...) const, void> : CallableSignature<R (*)(A...)> {};
template <class C, class R, class... A>
struct CallableSignature<R (C::*)(A...) noexcept, void> : CallableSignature<R (*)(A...)> {};
template <class C, class R, class... A>
struct CallableSignature<R (C::*)(A...) const noexcept, void> : CallableSignature<R (*)(A...)> {};
template <class F>
struct CallableSignature<F, std::void_t<decltype(&F::operator())>>
    : CallableSignature<decltype(&F::operator())> {};

template <class T>
struct OptionalTraits {
  static constexpr bool ok = false;
  using value = void;
};
template <class V>
struct OptionalTraits<std::optional<V>> {
  static constexpr bool ok = true;
  using value = V;
};

template <class T>
struct StateTraits {
  static constexpr bool ok = false;
  using value = void;
};
template <class S>
struct StateTraits<State<S>> {
  static constexpr bool ok = true;
  using value = S;
};

/// K, V, S and U read off a mapping function's parameters: (K, optional<V>, State<S>&) -> U, or
/// (Time, K, optional<V>, State<S>&) -> optional<U>. `ok` is false for other shapes.
template <class Args, class R>
struct MappingTypes {
  static constexpr bool ok = false;
};
template <class A0, class A1, class A2, class R>
struct MappingTypes<std::tuple<A0, A1, A2>, R> {
  using K = std::decay_t<A0>;
  using V = typename OptionalTraits<std::decay_t<A1>>::value;
  using S = typename StateTraits<std::remove_reference_t<A2>>::value;
  using U = std::decay_t<R>;
  static constexpr bool ok = OptionalTraits<std::decay_t<A1>>::ok &&
                             StateTraits<std::remove_reference_t<A2>>::ok &&
                             std::is_lvalue_reference_v<A2> && !std::is_void_v<U>;
};
template <class T, class A1, class A2, class A3, class R>
struct MappingTypes<std::tuple<T, A1, A2, A3>, R> {
  using K = std::decay_t<A1>;
  using V = typename OptionalTraits<std::decay_t<A2>>::value;
  using S = typename StateTraits<std::remove_reference_t<A3>>::value;
  using U = typename OptionalTraits<std::decay_t<R>>::value;
  static constexpr bool ok = std::is_same_v<std::decay_t<T>, Time> &&
                             OptionalTraits<std::decay_t<A2>>::ok &&
                             StateTraits<std::remove_reference_t<A3>>::ok &&
                             std::is_lvalue_reference_v<A3> && OptionalTraits<std::decay_t<R>>::ok;
};

}  // namespace detail

template <class K = void, class V = void, class S = void, class U = void>
class StateSpec;

/// What mapWithState does (Spark's StateSpec): the mapping function, and optionally the number
/// of partitions of the state, a timeout for idle keys, and an initial state. Made by
/// StateSpec<>::function(f) (types deduced from f's parameters) or StateSpec<K, V, S, U>::
/// function(f) (any callable, generic lambdas too); the setters return the spec, for chaining:
///
///   auto spec = ember::StateSpec<>::function(f).numPartitions(4).timeout(ember::Seconds(30));
///
/// A cheap copyable value; copies share the function.
template <class K, class V, class S, class U>
class StateSpec {
 public:
  using key_type = K;
  using value_type = V;
  using state_type = S;
  using mapped_type = U;

  /// f(const K&, const std::optional<V>&, State<S>&) returning a U, emitted for every call; or
  /// f(Time, const K&, const std::optional<V>&, State<S>&) returning a std::optional<U>, emitted
  /// when set. A callable of another shape is a compile error.
  template <class F>
  static StateSpec function(F f) {
    static_assert(
        detail::kTimeAwareMapping<F, K, V, S> || detail::kPlainMapping<F, K, V, S>,
        "StateSpec::function expects f(const K&, const std::optional<V>&, State<S>&) -> U, or "
        "f(Time, const K&, const std::optional<V>&, State<S>&) -> std::optional<U>");
    if constexpr (detail::kTimeAwareMapping<F, K, V, S>) {
      using R = std::invoke_result_t<F&, Time, const K&, const std::optional<V>&, State<S>&>;
      static_assert(std::is_convertible_v<R, std::optional<U>>,
                    "StateSpec::function: the time-aware form f(Time, const K&, const "
                    "std::optional<V>&, State<S>&) must return a std::optional<U> (std::nullopt "
                    "emits nothing)");
    } else {
      using R = std::invoke_result_t<F&, const K&, const std::optional<V>&, State<S>&>;
      static_assert(std::is_convertible_v<R, U>,
                    "StateSpec::function: f(const K&, const std::optional<V>&, State<S>&) must "
                    "return a U (emitted for every call); to emit nothing for some calls use the "
                    "time-aware form returning std::optional<U>");
    }
    return StateSpec(std::make_shared<detail::MappingFunctionImpl<K, V, S, U, F>>(std::move(f)));
  }

  /// The number of partitions of the state (default: the engine's default parallelism). Throws
  /// IllegalArgumentError when not positive.
  StateSpec& numPartitions(int n) & {
    detail::checkPartitions("StateSpec.numPartitions", n);
    num_partitions_ = n;
    return *this;
  }
  StateSpec numPartitions(int n) && { return std::move(numPartitions(n)); }

  /// Keys that receive no data for this long are called once more, with no value and
  /// isTimingOut() true, then dropped. Throws IllegalArgumentError when negative.
  StateSpec& timeout(Duration interval) & {
    if (interval.milliseconds() < 0) {
      throw IllegalArgumentError("StateSpec.timeout: the timeout must not be negative, got " +
                                 interval.toString());
    }
    timeout_ = interval;
    return *this;
  }
  StateSpec timeout(Duration interval) && { return std::move(timeout(interval)); }

  /// Pairs in state before the first batch (with the first batch's time as update time). A
  /// key given twice keeps its last pair. The dataset must be on the context's engine.
  StateSpec& initialState(Rdd<std::pair<K, S>> rdd) & {
    initial_state_ = std::move(rdd);
    return *this;
  }
  StateSpec initialState(Rdd<std::pair<K, S>> rdd) && {
    return std::move(initialState(std::move(rdd)));
  }

  const std::shared_ptr<const detail::MappingFunction<K, V, S, U>>& getFunction() const {
    return function_;
  }
  std::optional<int> getNumPartitions() const { return num_partitions_; }
  std::optional<Duration> getTimeoutInterval() const { return timeout_; }
  const std::optional<Rdd<std::pair<K, S>>>& getInitialStateRDD() const { return initial_state_; }

 private:
  explicit StateSpec(std::shared_ptr<const detail::MappingFunction<K, V, S, U>> f)
      : function_(std::move(f)) {}

  std::shared_ptr<const detail::MappingFunction<K, V, S, U>> function_;
  std::optional<int> num_partitions_;
  std::optional<Duration> timeout_;
  std::optional<Rdd<std::pair<K, S>>> initial_state_;
};

/// StateSpec<>::function(f): the spec's types read off f's parameters.
template <>
class StateSpec<void, void, void, void> {
 public:
  /// f(const K&, const std::optional<V>&, State<S>&) -> U or
  /// f(Time, const K&, const std::optional<V>&, State<S>&) -> std::optional<U>, not generic.
  template <class F>
  static auto function(F f) {
    using Sig = detail::CallableSignature<std::decay_t<F>>;
    if constexpr (!Sig::known) {
      static_assert(Sig::known,
                    "StateSpec<>::function cannot read the types off a generic or overloaded "
                    "callable: name them, StateSpec<K, V, S, U>::function(f)");
    } else {
      using T = detail::MappingTypes<typename Sig::args, typename Sig::result>;
      static_assert(T::ok,
                    "StateSpec<>::function expects f(const K&, const std::optional<V>&, "
                    "State<S>&) -> U, or f(Time, const K&, const std::optional<V>&, State<S>&) "
                    "-> std::optional<U>");
      if constexpr (T::ok) {
        return StateSpec<typename T::K, typename T::V, typename T::S, typename T::U>::function(
            std::move(f));
      }
    }
  }
};

}  // namespace ember
