#pragma once

#include <optional>
#include <utility>

#include "ember/core/ops/join.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/ops/transform.hpp"

namespace ember {

// Per batch, the join of the two streams' RDDs at that time (transformWith, as Spark).

#define EMBER_DEFINE_STREAM_JOIN(NAME)                                                          \
  template <class T>                                                                            \
  template <class W>                                                                            \
  auto DStream<T>::NAME(const DStream<std::pair<detail::KeyOf<T>, W>>& other,                   \
                        std::optional<int> numPartitions) const {                               \
    EMBER_REQUIRE_PAIR(T, #NAME);                                                               \
    using Other = std::pair<detail::KeyOf<T>, W>;                                               \
    int n = detail::streamingPartitions(#NAME, numPartitions, context());                       \
    return transformWith(                                                                       \
        other, [n](const Rdd<T>& a, const Rdd<Other>& b) { return a.template NAME<W>(b, n); }); \
  }

EMBER_DEFINE_STREAM_JOIN(cogroup)
EMBER_DEFINE_STREAM_JOIN(join)
EMBER_DEFINE_STREAM_JOIN(leftOuterJoin)
EMBER_DEFINE_STREAM_JOIN(rightOuterJoin)
EMBER_DEFINE_STREAM_JOIN(fullOuterJoin)

#undef EMBER_DEFINE_STREAM_JOIN

}  // namespace ember
