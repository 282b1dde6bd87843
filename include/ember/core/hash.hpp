#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace ember {

/// The hash ember uses for keys: in hash maps and to choose a key's partition. It is the same in
/// every process and every run (no per-process seed), so partitioning is reproducible. Built-in
/// for arithmetic types, strings, pairs, tuples, vectors and optionals; a user type opts in by
/// specializing `std::hash` (or `ember::KeyHash`).
template <class K, class = void>
struct KeyHash {
  std::size_t operator()(const K& key) const { return mix(std::hash<K>{}(key)); }

  static std::size_t mix(std::uint64_t h) {
    // Murmur3's finalizer: std::hash of integers is the identity, which would put neighbouring
    // keys in neighbouring buckets and bias partitions.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::size_t>(h);
  }
};

namespace detail {
inline std::size_t hashCombine(std::size_t seed, std::size_t h) {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}
}  // namespace detail

template <class A, class B>
struct KeyHash<std::pair<A, B>> {
  std::size_t operator()(const std::pair<A, B>& p) const {
    return detail::hashCombine(KeyHash<A>{}(p.first), KeyHash<B>{}(p.second));
  }
};

template <class... Ts>
struct KeyHash<std::tuple<Ts...>> {
  std::size_t operator()(const std::tuple<Ts...>& t) const {
    std::size_t seed = 0x2545f4914f6cdd1dULL;
    std::apply([&](const auto&... xs) { ((seed = detail::hashCombine(seed, hashOf(xs))), ...); },
               t);
    return seed;
  }
  template <class X>
  static std::size_t hashOf(const X& x) {
    return KeyHash<X>{}(x);
  }
};

template <class T>
struct KeyHash<std::vector<T>> {
  std::size_t operator()(const std::vector<T>& v) const {
    std::size_t seed = v.size();
    for (const auto& x : v) seed = detail::hashCombine(seed, KeyHash<T>{}(x));
    return seed;
  }
};

template <class T>
struct KeyHash<std::optional<T>> {
  std::size_t operator()(const std::optional<T>& o) const {
    return o ? detail::hashCombine(1, KeyHash<T>{}(*o)) : 0;
  }
};

/// Transparent hashing of strings, so that maps keyed by std::string can be probed with a
/// std::string_view without building a string.
template <>
struct KeyHash<std::string> {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const {
    return KeyHash<int>::mix(std::hash<std::string_view>{}(s));
  }
};

}  // namespace ember
