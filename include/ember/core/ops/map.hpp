#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/pipeline.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/split.hpp"

namespace ember {

/// What flatMap's emitter form receives: call it once per output element, or
/// `emit.emplace(args...)` to build the element in place (`emit.emplace(word, 1)` for pairs).
/// Valid only during the call it is given to.
///
/// `Emitter<U>` is the type to name in a function's signature. A function taking `auto emit`
/// receives an `Emitter<U, Writer>` bound to where the outputs go, whose calls inline into the
/// operators that follow (a further map, filter or the map-side combine of reduceByKey).
template <class U, class Writer = void>
class Emitter {
 public:
  explicit Emitter(Writer& writer) : writer_(&writer) {}
  EMBER_INLINE void operator()(U&& x) const { (*writer_)(std::move(x)); }
  EMBER_INLINE void operator()(const U& x) const { (*writer_)(x); }
  template <class... Args>
  EMBER_INLINE void emplace(Args&&... args) const {
    writer_->emplace(std::forward<Args>(args)...);
  }

 private:
  Writer* writer_;
};

/// The emitter whose writer is not part of its type: one indirect call per output.
template <class U>
class Emitter<U, void> {
 public:
  template <class Writer>
  explicit Emitter(Writer& writer)
      : writer_(&writer), take_([](void* w, U&& x) { (*static_cast<Writer*>(w))(std::move(x)); }) {}
  void operator()(U&& x) const { take_(writer_, std::move(x)); }
  void operator()(const U& x) const { take_(writer_, U(x)); }
  template <class... Args>
  void emplace(Args&&... args) const {
    take_(writer_, U(std::forward<Args>(args)...));
  }

 private:
  void* writer_;
  void (*take_)(void*, U&&);
};

namespace detail {

// The steps of the element-wise operators (see core/pipeline.hpp).

/// map: one output per input.
template <class F>
struct MapStep {
  static constexpr const char* kOp = "map";
  F f;
  template <class X>
  static constexpr bool kReadsConst =
      std::is_invocable_v<F&, const X&&> || std::is_invocable_v<F&, const X&>;
  template <class X, class W>
  EMBER_INLINE void operator()(X& x, W& out) {
    if constexpr (kBuildsInPlace<W>) {
      out.produce([&]() EMBER_LAMBDA_INLINE -> decltype(auto) { return invokeMove(f, x); });
    } else {
      out(invokeMove(f, x));
    }
  }
  /// The step on an element of type X made of `args` (what a writer's emplace receives): made
  /// straight into f's parameter when f takes it by value or by rvalue, saving a move (for a
  /// short string, a copy).
  template <class X, class W, class... Args>
  EMBER_INLINE void emplaced(W& out, Args&&... args) {
    if constexpr (std::is_invocable_v<F&, X&&>) {
      if constexpr (kBuildsInPlace<W>) {
        out.produce([&]() EMBER_LAMBDA_INLINE -> decltype(auto) {
          return f(X(std::forward<Args>(args)...));
        });
      } else {
        out(f(X(std::forward<Args>(args)...)));
      }
    } else {
      X x(std::forward<Args>(args)...);
      out(f(x));
    }
  }
};

template <class R>
inline constexpr bool kIsSplitPieces = std::is_same_v<std::decay_t<R>, SplitPieces>;

/// flatMap whose function returns an iterable.
template <class F>
struct FlatMapStep {
  static constexpr const char* kOp = "flatMap";
  F f;
  template <class X>
  static constexpr bool kReadsConst = MapStep<F>::template kReadsConst<X>;
  template <class X, class W>
  EMBER_INLINE void operator()(X& x, W& out) {
    auto&& result = invokeMove(f, x);
    if constexpr (kIsSplitPieces<decltype(result)> &&
                  !std::is_const_v<std::remove_reference_t<decltype(result)>>) {
      // split()'s pieces go on as views, each made a string by the writer where it is needed,
      // unless the function already read them as a vector (and may have changed them).
      if (auto* built = result.vectorIfBuilt()) {
        for (auto& y : *built) out(std::move(y));
      } else {
        result.forEachView([&out](std::string_view piece)
                               EMBER_LAMBDA_INLINE { out.emplace(piece); });
      }
    } else {
      for (auto&& y : result) out(std::move(y));
    }
  }
};

/// flatMap's emitter form.
template <class U, class F>
struct EmitStep {
  static constexpr const char* kOp = "flatMap";
  F f;
  template <class X>
  static constexpr bool kReadsConst = true;
  template <class X, class W>
  EMBER_INLINE void operator()(X& x, W& out) {
    if constexpr (std::is_invocable_v<F&, const X&, Emitter<U, W>&>) {
      Emitter<U, W> emit(out);
      f(std::as_const(x), emit);
    } else {
      Emitter<U> emit(out);
      f(std::as_const(x), emit);
    }
  }
};

template <class F>
struct FilterStep {
  static constexpr const char* kOp = "filter";
  F f;
  template <class X>
  static constexpr bool kReadsConst = true;
  template <class X, class W>
  EMBER_INLINE void operator()(X& x, W& out) {
    if (f(std::as_const(x))) out(std::move(x));
  }
};

template <class T, class F>
auto mapStep(F f) {
  static_assert(std::is_invocable_v<F&, T&&> || std::is_invocable_v<F&, T&>,
                "map expects f(const T&) or f(T) returning the new element");
  static_assert(!std::is_void_v<MoveResult<F, T>>, "map's function must return the new element");
  return MapStep<F>{std::move(f)};
}

template <class T, class U, class F>
auto flatMapStep(F f) {
  if constexpr (std::is_void_v<U>) {
    static_assert(std::is_invocable_v<F&, T&&> || std::is_invocable_v<F&, T&>,
                  "flatMap expects f(x) returning an iterable, or flatMap<U>(f) with "
                  "f(x, emit) calling emit(u) for each output");
    return FlatMapStep<F>{std::move(f)};
  } else {
    static_assert(std::is_invocable_v<F&, const T&, Emitter<U>&>,
                  "flatMap<U> expects f(const T& x, auto emit) calling emit(u) per output");
    return EmitStep<U, F>{std::move(f)};
  }
}

template <class R>
using IterableElement = std::decay_t<decltype(*std::begin(std::declval<R&>()))>;

/// The element type flatMap<U>(f) produces on elements of type T.
template <class T, class U, class F>
struct FlatMapOutput {
  using type = U;
};
template <class T, class F>
struct FlatMapOutput<T, void, F> {
  using type = IterableElement<MoveResult<F, T>>;
};

template <class T, class F>
auto filterStep(F f) {
  static_assert(std::is_invocable_r_v<bool, F&, T&>, "filter expects f(const T&) -> bool");
  return FilterStep<F>{std::move(f)};
}

/// One partition at a time, materialized: `fn(partition_index, std::vector<In>&&)` returns an
/// iterable of Out.
template <class In, class Out, class Fn>
class PartitionFunctionNode final : public RddNode<Out> {
 public:
  PartitionFunctionNode(std::shared_ptr<RddNode<In>> parent, Fn fn, const char* op)
      : RddNode<Out>(parent->engineState(), parent->numPartitions(), {parent}),
        parent_(std::move(parent)),
        fn_(std::move(fn)),
        op_(op) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<Out>& out) const override {
    std::vector<In> data;
    VectorSink<In> sink(data);
    parent_->iterate(ctx, partition, sink);
    Fn fn = fn_;
    auto&& result = fn(partition, std::move(data));
    ChunkWriter<Out> writer(out);
    for (auto&& x : result) writer(std::forward<decltype(x)>(x));
    writer.flush();
  }
  std::string name() const override { return "MapPartitionsRDD"; }
  std::string paramsToString() const override { return op_; }

 private:
  std::shared_ptr<RddNode<In>> parent_;
  Fn fn_;
  const char* op_;
};

// map, flatMap and filter, defined once for every handle (H): an Rdd or a DStream starts a chain,
// a PipelineRdd or a PipelineDStream extends its own (chainStep, here and in
// streaming/pipeline_dstream.hpp).

template <class H, class F>
auto mapOf(const H& handle, F f) {
  using T = typename H::value_type;
  auto step = mapStep<T>(std::move(f));
  return chainStep<MoveResult<F, T>>(handle, std::move(step));
}

template <class U, class H, class F>
auto flatMapOf(const H& handle, F f) {
  using T = typename H::value_type;
  auto step = flatMapStep<T, U>(std::move(f));
  return chainStep<typename FlatMapOutput<T, U, F>::type>(handle, std::move(step));
}

template <class H, class F>
auto filterOf(const H& handle, F f) {
  using T = typename H::value_type;
  return chainStep<T>(handle, filterStep<T>(std::move(f)));
}

}  // namespace detail

template <class T>
template <class F>
auto Rdd<T>::map(F f) const {
  return detail::mapOf(*this, std::move(f));
}

template <class T>
template <class U, class F>
auto Rdd<T>::flatMap(F f) const {
  return detail::flatMapOf<U>(*this, std::move(f));
}

template <class T>
template <class F>
auto Rdd<T>::filter(F f) const {
  return detail::filterOf(*this, std::move(f));
}

template <class T, class Src, class Step>
template <class F>
auto PipelineRdd<T, Src, Step>::map(F f) const {
  return detail::mapOf(*this, std::move(f));
}

template <class T, class Src, class Step>
template <class U, class F>
auto PipelineRdd<T, Src, Step>::flatMap(F f) const {
  return detail::flatMapOf<U>(*this, std::move(f));
}

template <class T, class Src, class Step>
template <class F>
auto PipelineRdd<T, Src, Step>::filter(F f) const {
  return detail::filterOf(*this, std::move(f));
}

template <class T>
template <class F>
auto Rdd<T>::mapPartitions(F f, bool) const {
  static_assert(std::is_invocable_v<F&, std::vector<T>&&>,
                "mapPartitions expects f(std::vector<T>) returning an iterable");
  using R = std::invoke_result_t<F&, std::vector<T>&&>;
  using U = detail::IterableElement<R>;
  auto fn = [f](int, std::vector<T>&& data) mutable { return f(std::move(data)); };
  return Rdd<U>(std::make_shared<detail::PartitionFunctionNode<T, U, decltype(fn)>>(
      node_, std::move(fn), "mapPartitions"));
}

template <class T>
template <class F>
auto Rdd<T>::mapPartitionsWithIndex(F f, bool) const {
  static_assert(std::is_invocable_v<F&, int, std::vector<T>&&>,
                "mapPartitionsWithIndex expects f(int index, std::vector<T>) returning an "
                "iterable");
  using R = std::invoke_result_t<F&, int, std::vector<T>&&>;
  using U = detail::IterableElement<R>;
  auto fn = [f](int index, std::vector<T>&& data) mutable { return f(index, std::move(data)); };
  return Rdd<U>(std::make_shared<detail::PartitionFunctionNode<T, U, decltype(fn)>>(
      node_, std::move(fn), "mapPartitionsWithIndex"));
}

template <class T>
Rdd<std::vector<T>> Rdd<T>::glom() const {
  auto fn = [](int, std::vector<T>&& data) {
    std::vector<std::vector<T>> one;
    one.push_back(std::move(data));
    return one;
  };
  return Rdd<std::vector<T>>(
      std::make_shared<detail::PartitionFunctionNode<T, std::vector<T>, decltype(fn)>>(
          node_, std::move(fn), "glom"));
}

template <class T>
template <class F>
auto Rdd<T>::keyBy(F f) const {
  using K = std::decay_t<std::invoke_result_t<F&, const T&>>;
  using P = std::pair<K, T>;
  return detail::makePipeline<T, P>(
      node_,
      [f](auto& x, ChunkWriter<P>& out) mutable {
        K k = f(std::as_const(x));
        out.emplace(std::move(k), std::move(x));
      },
      "keyBy");
}

}  // namespace ember
