#pragma once

// Helpers for testing streaming programs (as spark-testing-base is for Spark): batches in,
// batches out, on a manual clock.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/ember.hpp"

namespace ember::testing {

struct TestOptions {
  Duration batchDuration = Seconds(1);
  int numInputPartitions = 2;
};

/// The master runOperation runs on: "local[2]" unless changed.
std::string defaultMaster();
void setDefaultMaster(std::string master);

/// Sets the master runOperation runs on for the life of this object.
class ScopedMaster {
 public:
  explicit ScopedMaster(std::string master) : previous_(defaultMaster()) {
    setDefaultMaster(std::move(master));
  }
  ~ScopedMaster() { setDefaultMaster(previous_); }
  ScopedMaster(const ScopedMaster&) = delete;
  ScopedMaster& operator=(const ScopedMaster&) = delete;

 private:
  std::string previous_;
};

namespace detail {

template <class T>
using Batches = std::vector<std::optional<std::vector<T>>>;

template <class T>
Batches<T> toBatches(const std::vector<std::vector<T>>& input) {
  Batches<T> out;
  out.reserve(input.size());
  for (const auto& b : input) out.emplace_back(b);
  return out;
}
template <class T>
Batches<T> toBatches(const std::vector<std::optional<std::vector<T>>>& input) {
  return input;
}

/// Batch i of the input at the i-th batch time; empty batches past the end; nothing for a
/// std::nullopt batch (Spark's TestInputStream).
template <class T>
class TestInputNode final : public ember::detail::DStreamNode<T>,
                            public ember::detail::InputNodeBase {
 public:
  TestInputNode(StreamingContext& ssc, Batches<T> input, int partitions)
      : ember::detail::DStreamNode<T>(ssc, {}, "TestInputStream"),
        input_(std::move(input)),
        partitions_(partitions) {}

 protected:
  std::optional<Rdd<T>> compute(Time time) override {
    auto index = static_cast<std::size_t>((time - this->zeroTime()) / this->slideDuration()) - 1;
    Engine engine = this->context().sparkContext();
    if (index >= input_.size()) return engine.parallelize(std::vector<T>{}, partitions_);
    if (!input_[index]) return std::nullopt;
    return engine.parallelize(*input_[index], partitions_);
  }

 private:
  Batches<T> input_;
  int partitions_;
};

template <class T>
DStream<T> testInput(StreamingContext& ssc, Batches<T> input, int partitions) {
  if (partitions <= 0) {
    throw IllegalArgumentError("TestOptions::numInputPartitions must be positive, got " +
                               std::to_string(partitions));
  }
  auto node = std::make_shared<TestInputNode<T>>(ssc, std::move(input), partitions);
  return ember::detail::registerInput<TestInputNode<T>, T>(ssc, std::move(node));
}

Conf testConf();
/// Advances the manual clock batch by batch, waiting for each batch, then stops the context.
/// Rethrows the first failed batch's error.
void runBatches(StreamingContext& ssc, std::size_t numBatches);

template <class S>
struct StreamElement;
template <class U>
struct StreamElement<DStream<U>> {
  using type = U;
};
template <class U, class Src, class Build>
struct StreamElement<PipelineDStream<U, Src, Build>> {
  using type = U;
};

template <class U>
std::vector<std::vector<U>> collectOutput(StreamingContext& ssc, const DStream<U>& out,
                                          std::size_t numBatches) {
  auto results = std::make_shared<std::vector<std::vector<U>>>();
  auto mutex = std::make_shared<std::mutex>();
  out.foreachRDD([results, mutex](const Rdd<U>& rdd) {
    auto data = rdd.collect();
    std::lock_guard lock(*mutex);
    results->push_back(std::move(data));
  });
  runBatches(ssc, numBatches);
  std::lock_guard lock(*mutex);
  return *results;
}

template <class T, class Op>
auto runOne(Batches<T> input, Op op, std::size_t numBatches, TestOptions opts) {
  StreamingContext ssc(testConf(), opts.batchDuration);
  auto stream = testInput<T>(ssc, std::move(input), opts.numInputPartitions);
  auto out = op(stream);
  return collectOutput(ssc, out, numBatches);
}

template <class T1, class T2, class Op>
auto runTwo(Batches<T1> input1, Batches<T2> input2, Op op, std::size_t numBatches,
            TestOptions opts) {
  StreamingContext ssc(testConf(), opts.batchDuration);
  auto a = testInput<T1>(ssc, std::move(input1), opts.numInputPartitions);
  auto b = testInput<T2>(ssc, std::move(input2), opts.numInputPartitions);
  auto out = op(a, b);
  return collectOutput(ssc, out, numBatches);
}

}  // namespace detail

/// input[i] is batch i (sliced like parallelize); runs numBatches batch intervals on a manual
/// clock (batches past input.size() are empty) and returns the collected contents of every RDD
/// the output of op produced, in order (one per slide of that stream). Throws the ember::Error
/// of a batch that failed.
template <class T, class Op>
auto runOperation(const std::vector<std::vector<T>>& input, Op op, std::size_t numBatches,
                  TestOptions opts = {}) {
  return detail::runOne<T>(detail::toBatches(input), std::move(op), numBatches, opts);
}
template <class T, class Op>
auto runOperation(const std::vector<std::optional<std::vector<T>>>& input, Op op,
                  std::size_t numBatches, TestOptions opts = {}) {
  return detail::runOne<T>(input, std::move(op), numBatches, opts);
}

/// Two input streams; op(DStream<T1>, DStream<T2>).
template <class T1, class T2, class Op>
auto runOperation(const std::vector<std::vector<T1>>& input1,
                  const std::vector<std::vector<T2>>& input2, Op op, std::size_t numBatches,
                  TestOptions opts = {}) {
  return detail::runTwo<T1, T2>(detail::toBatches(input1), detail::toBatches(input2), std::move(op),
                                numBatches, opts);
}
template <class T1, class T2, class Op>
auto runOperation(const std::vector<std::optional<std::vector<T1>>>& input1,
                  const std::vector<std::optional<std::vector<T2>>>& input2, Op op,
                  std::size_t numBatches, TestOptions opts = {}) {
  return detail::runTwo<T1, T2>(input1, input2, std::move(op), numBatches, opts);
}
template <class T1, class T2, class Op>
auto runOperation(const std::vector<std::vector<T1>>& input1,
                  const std::vector<std::optional<std::vector<T2>>>& input2, Op op,
                  std::size_t numBatches, TestOptions opts = {}) {
  return detail::runTwo<T1, T2>(detail::toBatches(input1), input2, std::move(op), numBatches, opts);
}
template <class T1, class T2, class Op>
auto runOperation(const std::vector<std::optional<std::vector<T1>>>& input1,
                  const std::vector<std::vector<T2>>& input2, Op op, std::size_t numBatches,
                  TestOptions opts = {}) {
  return detail::runTwo<T1, T2>(input1, detail::toBatches(input2), std::move(op), numBatches, opts);
}

}  // namespace ember::testing
