#pragma once

#include <memory>
#include <vector>

#include "ember/core/rdd.hpp"

namespace ember {

namespace detail {

/// The partitions of its parents, one after another (Spark's UnionRDD).
template <class T>
class UnionNode final : public RddNode<T> {
 public:
  explicit UnionNode(std::vector<std::shared_ptr<RddNode<T>>> parents)
      : RddNode<T>(parents.front()->engineState(), totalPartitions(parents),
                   std::vector<std::shared_ptr<RddNodeBase>>(parents.begin(), parents.end())),
        parents_(std::move(parents)) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<T>& out) const override {
    for (const auto& parent : parents_) {
      if (partition < parent->numPartitions()) {
        parent->iterate(ctx, partition, out);
        return;
      }
      partition -= parent->numPartitions();
    }
  }
  std::string name() const override { return "UnionRDD"; }

 private:
  static int totalPartitions(const std::vector<std::shared_ptr<RddNode<T>>>& parents) {
    int n = 0;
    for (const auto& p : parents) n += p->numPartitions();
    return n;
  }
  std::vector<std::shared_ptr<RddNode<T>>> parents_;
};

}  // namespace detail

/// The union of several datasets of one engine: a new dataset even for one input (as Spark's
/// SparkContext.union), so that persisting it, as a window does, leaves its inputs' levels alone.
/// Throws IllegalArgumentError when rdds is empty.
template <class T>
Rdd<T> unionAll(const std::vector<Rdd<T>>& rdds) {
  if (rdds.empty()) throw IllegalArgumentError("union of no datasets: give at least one");
  std::vector<std::shared_ptr<detail::RddNode<T>>> nodes;
  for (const auto& r : rdds) nodes.push_back(r.node());
  return Rdd<T>(std::make_shared<detail::UnionNode<T>>(std::move(nodes)));
}

template <class T>
Rdd<T> Rdd<T>::union_(const Rdd<T>& other) const {
  return Rdd<T>(std::make_shared<detail::UnionNode<T>>(
      std::vector<std::shared_ptr<detail::RddNode<T>>>{node_, other.node()}));
}

}  // namespace ember
