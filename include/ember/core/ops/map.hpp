#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/rdd.hpp"

namespace ember {

/// What flatMap's emitter form receives: call it once per output element.
template <class U>
class Emitter {
 public:
  explicit Emitter(ChunkWriter<U>& writer) : writer_(&writer) {}
  void operator()(U&& x) const { (*writer_)(std::move(x)); }
  void operator()(const U& x) const { (*writer_)(x); }
  template <class... Args>
  void emplace(Args&&... args) const {
    writer_->emplace(std::forward<Args>(args)...);
  }

 private:
  ChunkWriter<U>* writer_;
};

namespace detail {

/// A fused narrow step: for each input element, `step(std::move(x), writer)` writes any number
/// of outputs. Consecutive element-wise operators each add one such node; a chunk of elements
/// passes through every step in a tight loop with the user function inlined.
template <class In, class Out, class Step>
class PipelineNode final : public RddNode<Out> {
 public:
  PipelineNode(std::shared_ptr<RddNode<In>> parent, Step step, const char* op)
      : RddNode<Out>(parent->engineState(), parent->numPartitions(), {parent}),
        parent_(std::move(parent)),
        step_(std::move(step)),
        op_(op) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<Out>& out) const override {
    ChunkWriter<Out> writer(out);
    StepSink sink(step_, writer);
    parent_->iterate(ctx, partition, sink);
    writer.flush();
  }
  std::string name() const override { return "MapPartitionsRDD"; }
  std::string paramsToString() const override { return op_; }

 private:
  // Runs the step over each element it is given. Elements the producer keeps are read in place
  // when the step accepts a const input, so sources and caches are not copied first.
  class StepSink final : public ChunkSink<In> {
   public:
    StepSink(const Step& step, ChunkWriter<Out>& writer) : step_(step), writer_(writer) {}
    void push(std::vector<In>& chunk) override {
      for (auto& x : chunk) step_(x, writer_);
    }
    void pushConst(const std::vector<In>& data, std::size_t begin, std::size_t end) override {
      for (std::size_t i = begin; i < end; ++i) {
        if constexpr (std::is_invocable_v<Step&, const In&, ChunkWriter<Out>&>) {
          step_(data[i], writer_);
        } else {
          In copy = data[i];
          step_(copy, writer_);
        }
      }
    }

   private:
    Step step_;
    ChunkWriter<Out>& writer_;
  };

  std::shared_ptr<RddNode<In>> parent_;
  Step step_;
  const char* op_;
};

template <class In, class Out, class Step>
Rdd<Out> makePipeline(const std::shared_ptr<RddNode<In>>& parent, Step step, const char* op) {
  return Rdd<Out>(std::make_shared<PipelineNode<In, Out, Step>>(parent, std::move(step), op));
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

template <class R>
using IterableElement = std::decay_t<decltype(*std::begin(std::declval<R&>()))>;

}  // namespace detail

template <class T>
template <class F>
auto Rdd<T>::map(F f) const {
  static_assert(std::is_invocable_v<F&, T&&> || std::is_invocable_v<F&, T&>,
                "map expects f(const T&) or f(T) returning the new element");
  using U = detail::MoveResult<F, T>;
  static_assert(!std::is_void_v<U>, "map's function must return the new element");
  return detail::makePipeline<T, U>(
      node_, [f](auto& x, ChunkWriter<U>& out) mutable { out(detail::invokeMove(f, x)); }, "map");
}

template <class T>
template <class U, class F>
auto Rdd<T>::flatMap(F f) const {
  if constexpr (std::is_void_v<U>) {
    static_assert(std::is_invocable_v<F&, T&&> || std::is_invocable_v<F&, T&>,
                  "flatMap expects f(x) returning an iterable, or flatMap<U>(f) with "
                  "f(x, emit) calling emit(u) for each output");
    using R = detail::MoveResult<F, T>;
    using V = detail::IterableElement<R>;
    return detail::makePipeline<T, V>(
        node_,
        [f](auto& x, ChunkWriter<V>& out) mutable {
          auto&& result = detail::invokeMove(f, x);
          for (auto&& y : result) out(std::move(y));
        },
        "flatMap");
  } else {
    static_assert(std::is_invocable_v<F&, const T&, Emitter<U>&>,
                  "flatMap<U> expects f(const T& x, auto emit) calling emit(u) per output");
    return detail::makePipeline<T, U>(
        node_,
        [f](const T& x, ChunkWriter<U>& out) mutable {
          Emitter<U> emit(out);
          f(std::as_const(x), emit);
        },
        "flatMap");
  }
}

template <class T>
template <class F>
Rdd<T> Rdd<T>::filter(F f) const {
  static_assert(std::is_invocable_r_v<bool, F&, T&>, "filter expects f(const T&) -> bool");
  return detail::makePipeline<T, T>(
      node_,
      [f](auto& x, ChunkWriter<T>& out) mutable {
        if (f(std::as_const(x))) out(std::move(x));
      },
      "filter");
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
