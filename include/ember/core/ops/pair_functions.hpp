#pragma once

#include <cstdint>
#include <map>
#include <type_traits>
#include <utility>

#include "ember/core/ops/actions.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/rdd.hpp"

namespace ember {

template <class T>
template <class F>
auto Rdd<T>::mapValues(F f) const {
  EMBER_REQUIRE_PAIR(T, "mapValues");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  using U = detail::MoveResult<F, V>;
  using P = std::pair<K, U>;
  return detail::makePipeline<T, P>(
      node_,
      [f](auto& x, ChunkWriter<P>& out) mutable {
        out.emplace(std::move(x.first), detail::invokeMove(f, x.second));
      },
      "mapValues");
}

template <class T>
template <class F>
auto Rdd<T>::flatMapValues(F f) const {
  EMBER_REQUIRE_PAIR(T, "flatMapValues");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  using R = detail::MoveResult<F, V>;
  using U = detail::IterableElement<R>;
  using P = std::pair<K, U>;
  return detail::makePipeline<T, P>(
      node_,
      [f](auto& x, ChunkWriter<P>& out) mutable {
        auto&& result = detail::invokeMove(f, x.second);
        for (auto&& u : result) out.emplace(x.first, std::move(u));
      },
      "flatMapValues");
}

template <class T>
auto Rdd<T>::keys() const {
  EMBER_REQUIRE_PAIR(T, "keys");
  using K = detail::KeyOf<T>;
  return detail::makePipeline<T, K>(
      node_, [](auto& x, ChunkWriter<K>& out) { out(std::move(x.first)); }, "keys");
}

template <class T>
auto Rdd<T>::values() const {
  EMBER_REQUIRE_PAIR(T, "values");
  using V = detail::ValueOf<T>;
  return detail::makePipeline<T, V>(
      node_, [](auto& x, ChunkWriter<V>& out) { out(std::move(x.second)); }, "values");
}

template <class T>
auto Rdd<T>::countByKey() const {
  EMBER_REQUIRE_PAIR(T, "countByKey");
  return keys().countByValue();
}

template <class T>
auto Rdd<T>::collectAsMap() const {
  EMBER_REQUIRE_PAIR(T, "collectAsMap");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  std::map<K, V> result;
  for (auto& [k, v] : collect()) result.insert_or_assign(std::move(k), std::move(v));
  return result;
}

}  // namespace ember
