#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

template <class R>
struct RddElement;
template <class U>
struct RddElement<Rdd<U>> {
  using type = U;
};
template <class U, class Src, class Step>
struct RddElement<PipelineRdd<U, Src, Step>> {
  using type = U;
};

/// What a stream reads of its parent at each batch: `read(time, fn)` calls fn with the parent's
/// RDD then (std::nullopt for times it has none) and returns what fn returns. Streams that end a
/// chain read the chain instead (ChainBatches, streaming/pipeline_dstream.hpp).
template <class T>
struct StreamBatches {
  std::shared_ptr<DStreamNode<T>> stream;

  template <class Fn>
  auto read(Time time, Fn&& fn) const {
    return fn(stream->getOrCompute(time));
  }
};

/// Throws Error: "<stream>: could not generate an RDD from a parent at time <time>" (Spark's
/// "Couldn't generate RDD from parent"), the failure of a stream that needs its parents' RDDs.
[[noreturn]] void throwNoParentRdd(const std::string& stream, Time time);

/// What a stream of one parent does at a time its parent has no RDD for.
enum class MissingParentRdd {
  kNothing,  // it has none either (Spark's MappedDStream, FilteredDStream, ShuffledDStream, ...)
  kFail,     // its batch fails (Spark's TransformedDStream)
};

/// A stream whose RDD at each time is a function of its parent's batch then (Spark's
/// MappedDStream, FilteredDStream, ..., TransformedDStream with one parent).
template <class U, class Batches, class F>
class BatchesNode final : public DStreamNode<U> {
 public:
  BatchesNode(Batches batches, F f, std::string name, std::string params,
              MissingParentRdd missing = MissingParentRdd::kNothing)
      : DStreamNode<U>(batches.stream->context(), {batches.stream}, std::move(name)),
        batches_(std::move(batches)),
        f_(std::move(f)),
        params_(std::move(params)),
        missing_(missing) {}

  std::string paramsToString() const override { return params_; }

 protected:
  /// Throws (kFail) Error when the parent has no RDD at `time`.
  std::optional<Rdd<U>> compute(Time time) override {
    return batches_.read(time, [&](const auto& batch) -> std::optional<Rdd<U>> {
      if (!batch) {
        if (missing_ == MissingParentRdd::kFail) throwNoParentRdd(this->name(), time);
        return std::nullopt;
      }
      return Rdd<U>(f_(*batch, time));
    });
  }

 private:
  Batches batches_;
  F f_;
  std::string params_;
  MissingParentRdd missing_;
};

template <class T, class U, class F>
using TransformedNode = BatchesNode<U, StreamBatches<T>, F>;

/// "numPartitions <n>", the parameter of keyed operations.
inline std::string partitionsParam(int n) {
  return "numPartitions " + std::to_string(n);
}

/// f(Rdd<T>, Time) -> Rdd<U>, as a new stream; `params` for paramsToString() (for keyed
/// operations, their partition count).
template <class U, class T, class F>
DStream<U> makeTransformed(const std::shared_ptr<DStreamNode<T>>& parent, F f, std::string name,
                           std::string params = {},
                           MissingParentRdd missing = MissingParentRdd::kNothing) {
  return DStream<U>(std::make_shared<TransformedNode<T, U, F>>(
      StreamBatches<T>{parent}, std::move(f), std::move(name), std::move(params), missing));
}

/// Throws IllegalArgumentError naming the operation when the streams' slides differ.
void checkSameSlide(const char* operation,
                    const std::vector<std::shared_ptr<DStreamNodeBase>>& streams);

/// A stream computed from the RDDs of several parents at the same time (Spark's
/// TransformedDStream). Every parent must have an RDD at the times this stream is defined.
template <class T, class U, class F>
class MultiTransformedNode final : public DStreamNode<U> {
 public:
  MultiTransformedNode(std::vector<std::shared_ptr<DStreamNode<T>>> parents, F f, std::string name)
      : DStreamNode<U>(
            parents.front()->context(),
            std::vector<std::shared_ptr<DStreamNodeBase>>(parents.begin(), parents.end()),
            std::move(name)),
        parents_(std::move(parents)),
        f_(std::move(f)) {
    checkSameSlide(this->name().c_str(), this->parents());
  }

 protected:
  std::optional<Rdd<U>> compute(Time time) override {
    std::vector<Rdd<T>> rdds;
    rdds.reserve(parents_.size());
    for (auto& parent : parents_) {
      auto rdd = parent->getOrCompute(time);
      if (!rdd) throwNoParentRdd(this->name(), time);
      rdds.push_back(std::move(*rdd));
    }
    return f_(rdds, time);
  }

 private:
  std::vector<std::shared_ptr<DStreamNode<T>>> parents_;
  F f_;
};

/// Two parents of different element types (transformWith).
template <class A, class B, class U, class F>
class PairTransformedNode final : public DStreamNode<U> {
 public:
  PairTransformedNode(std::shared_ptr<DStreamNode<A>> left, std::shared_ptr<DStreamNode<B>> right,
                      F f, std::string name)
      : DStreamNode<U>(left->context(), {left, right}, std::move(name)),
        left_(std::move(left)),
        right_(std::move(right)),
        f_(std::move(f)) {
    checkSameSlide(this->name().c_str(), this->parents());
  }

 protected:
  std::optional<Rdd<U>> compute(Time time) override {
    auto a = left_->getOrCompute(time);
    auto b = right_->getOrCompute(time);
    if (!a || !b) throwNoParentRdd(this->name(), time);
    return f_(*a, *b, time);
  }

 private:
  std::shared_ptr<DStreamNode<A>> left_;
  std::shared_ptr<DStreamNode<B>> right_;
  F f_;
};

}  // namespace detail

template <class T>
template <class F>
auto DStream<T>::transform(F f) const {
  if constexpr (std::is_invocable_v<F&, Rdd<T>, Time>) {
    using R = std::invoke_result_t<F&, Rdd<T>, Time>;
    using U = typename detail::RddElement<std::decay_t<R>>::type;
    return detail::makeTransformed<U>(
        node_, [f](const Rdd<T>& rdd, Time t) mutable { return Rdd<U>(f(rdd, t)); }, "transform",
        {}, detail::MissingParentRdd::kFail);
  } else {
    static_assert(std::is_invocable_v<F&, Rdd<T>>,
                  "transform expects f(Rdd<T>) or f(Rdd<T>, Time) returning an Rdd");
    using R = std::invoke_result_t<F&, Rdd<T>>;
    using U = typename detail::RddElement<std::decay_t<R>>::type;
    return detail::makeTransformed<U>(
        node_, [f](const Rdd<T>& rdd, Time) mutable { return Rdd<U>(f(rdd)); }, "transform", {},
        detail::MissingParentRdd::kFail);
  }
}

template <class T>
template <class U, class F>
auto DStream<T>::transformWith(const DStream<U>& other, F f) const {
  if constexpr (std::is_invocable_v<F&, Rdd<T>, Rdd<U>, Time>) {
    using R = std::decay_t<std::invoke_result_t<F&, Rdd<T>, Rdd<U>, Time>>;
    using V = typename detail::RddElement<R>::type;
    auto g = [f](const Rdd<T>& a, const Rdd<U>& b, Time t) mutable { return Rdd<V>(f(a, b, t)); };
    return DStream<V>(std::make_shared<detail::PairTransformedNode<T, U, V, decltype(g)>>(
        node_, other.node(), std::move(g), "transformWith"));
  } else {
    static_assert(std::is_invocable_v<F&, Rdd<T>, Rdd<U>>,
                  "transformWith expects f(Rdd<T>, Rdd<U>) or f(Rdd<T>, Rdd<U>, Time) returning "
                  "an Rdd");
    using R = std::decay_t<std::invoke_result_t<F&, Rdd<T>, Rdd<U>>>;
    using V = typename detail::RddElement<R>::type;
    auto g = [f](const Rdd<T>& a, const Rdd<U>& b, Time) mutable { return Rdd<V>(f(a, b)); };
    return DStream<V>(std::make_shared<detail::PairTransformedNode<T, U, V, decltype(g)>>(
        node_, other.node(), std::move(g), "transformWith"));
  }
}

template <class T, class F>
auto StreamingContext::transform(const std::vector<DStream<T>>& streams, F f) {
  if (streams.empty()) throw IllegalArgumentError("transform: give at least one stream");
  static_assert(std::is_invocable_v<F&, const std::vector<Rdd<T>>&, Time>,
                "StreamingContext::transform expects f(const std::vector<Rdd<T>>&, Time) "
                "returning an Rdd");
  using R = std::decay_t<std::invoke_result_t<F&, const std::vector<Rdd<T>>&, Time>>;
  using U = typename detail::RddElement<R>::type;
  std::vector<std::shared_ptr<detail::DStreamNode<T>>> nodes;
  for (const auto& s : streams) nodes.push_back(s.node());
  return DStream<U>(std::make_shared<detail::MultiTransformedNode<T, U, F>>(
      std::move(nodes), std::move(f), "transform"));
}

}  // namespace ember
