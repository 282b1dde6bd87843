#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "ember/core/rdd.hpp"

namespace ember {

namespace detail {

/// Spark's ParallelCollectionRDD: slices of an in-memory vector.
template <class T>
class ParallelCollectionNode final : public RddNode<T> {
 public:
  ParallelCollectionNode(std::shared_ptr<EngineState> engine, std::vector<T> data, int slices)
      : RddNode<T>(std::move(engine), slices, {}), data_(std::move(data)) {}

  void compute(const TaskContext&, int partition, ChunkSink<T>& out) const override {
    auto n = static_cast<std::uint64_t>(data_.size());
    auto p = static_cast<std::uint64_t>(this->numPartitions());
    auto begin = static_cast<std::size_t>(partition * n / p);
    auto end = static_cast<std::size_t>((partition + 1) * n / p);
    pushCopies(data_, begin, end, out);
  }
  std::string name() const override { return "ParallelCollectionRDD"; }

 private:
  std::vector<T> data_;
};

}  // namespace detail

template <class T>
Rdd<T> Engine::parallelize(std::vector<T> data, int numSlices) const {
  state_->checkRunning();
  if (numSlices < 0) detail::checkPartitions("parallelize", numSlices);
  int slices = numSlices == 0 ? defaultParallelism() : numSlices;
  return Rdd<T>(
      std::make_shared<detail::ParallelCollectionNode<T>>(state_, std::move(data), slices));
}

template <class T>
Rdd<T> Engine::emptyRDD() const {
  state_->checkRunning();
  return Rdd<T>(std::make_shared<detail::ParallelCollectionNode<T>>(state_, std::vector<T>{}, 0));
}

/// A dataset holding data in numSlices partitions (slice i holds [i*n/p, (i+1)*n/p)), on the
/// active engine or, when there is none, a default `local[*]` one. Throws IllegalArgumentError
/// when numSlices is given and not positive.
template <class T>
Rdd<T> parallelize(std::vector<T> data, std::optional<int> numSlices = std::nullopt) {
  Engine engine(detail::activeOrDefaultEngine());
  if (numSlices) detail::checkPartitions("parallelize", *numSlices);
  return engine.parallelize(std::move(data), numSlices.value_or(0));
}

}  // namespace ember
