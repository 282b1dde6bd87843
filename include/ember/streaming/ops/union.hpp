#pragma once

#include <vector>

#include "ember/core/ops/union.hpp"
#include "ember/streaming/ops/transform.hpp"

namespace ember {

template <class T>
DStream<T> StreamingContext::union_(const std::vector<DStream<T>>& streams) {
  if (streams.empty()) throw IllegalArgumentError("union_: give at least one stream");
  std::vector<std::shared_ptr<detail::DStreamNode<T>>> nodes;
  for (const auto& s : streams) nodes.push_back(s.node());
  auto f = [](const std::vector<Rdd<T>>& rdds, Time) { return unionAll(rdds); };
  return DStream<T>(std::make_shared<detail::MultiTransformedNode<T, T, decltype(f)>>(
      std::move(nodes), f, "union"));
}

template <class T>
DStream<T> DStream<T>::union_(const DStream<T>& other) const {
  return context().union_(std::vector<DStream<T>>{*this, other});
}

}  // namespace ember
