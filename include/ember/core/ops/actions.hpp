#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "ember/core/rdd.hpp"
#include "ember/core/show.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

inline std::vector<int> allPartitions(int n) {
  std::vector<int> all(n);
  std::iota(all.begin(), all.end(), 0);
  return all;
}

/// Runs `fn(ctx, partition, ChunkSink<T>&)`-style per-partition work and returns one result per
/// partition, in partition order.
template <class R, class T, class Fn>
std::vector<R> runPerPartition(const std::shared_ptr<RddNode<T>>& node,
                               const std::vector<int>& partitions, Fn fn) {
  std::vector<R> results(partitions.size());
  std::vector<std::size_t> slot(node->numPartitions());
  for (std::size_t i = 0; i < partitions.size(); ++i) slot[partitions[i]] = i;
  runJob(node, partitions, [&](const TaskContext& ctx, int p) { results[slot[p]] = fn(ctx, p); });
  return results;
}

}  // namespace detail

template <class T>
std::vector<T> Rdd<T>::collect() const {
  auto parts = detail::runPerPartition<std::vector<T>>(
      node_, detail::allPartitions(getNumPartitions()), [&](const TaskContext& ctx, int p) {
        std::vector<T> out;
        VectorSink<T> sink(out);
        node_->iterate(ctx, p, sink);
        return out;
      });
  std::size_t total = 0;
  for (const auto& part : parts) total += part.size();
  std::vector<T> all;
  all.reserve(total);
  for (auto& part : parts) {
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return all;
}

template <class T>
std::int64_t Rdd<T>::count() const {
  auto counts = detail::runPerPartition<std::int64_t>(
      node_, detail::allPartitions(getNumPartitions()), [&](const TaskContext& ctx, int p) {
        std::int64_t n = 0;
        auto each = [&](T&) { ++n; };
        auto sink = makeEachSink<T>(each);
        node_->iterate(ctx, p, sink);
        return n;
      });
  return std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
}

/// Scans partitions in order, first one, then up to four times as many as were scanned so far
/// (Spark's take), stopping once num elements are found.
template <class T>
std::vector<T> Rdd<T>::take(int num) const {
  std::vector<T> result;
  if (num <= 0) return result;
  int total = getNumPartitions();
  int scanned = 0;
  while (static_cast<int>(result.size()) < num && scanned < total) {
    int batch = scanned == 0 ? 1 : std::max(1, scanned * 4);
    std::vector<int> partitions;
    for (int p = scanned; p < std::min(total, scanned + batch); ++p) partitions.push_back(p);
    std::size_t wanted = static_cast<std::size_t>(num) - result.size();
    auto parts = detail::runPerPartition<std::vector<T>>(
        node_, partitions, [&](const TaskContext& ctx, int p) {
          std::vector<T> out;
          struct Limited final : ChunkSink<T> {
            std::vector<T>& out;
            std::size_t limit;
            Limited(std::vector<T>& o, std::size_t l) : out(o), limit(l) {}
            void push(std::vector<T>& chunk) override {
              for (auto& x : chunk) {
                if (out.size() >= limit) return;
                out.push_back(std::move(x));
              }
            }
          } sink(out, wanted);
          node_->iterate(ctx, p, sink);
          return out;
        });
    for (auto& part : parts) {
      for (auto& x : part) {
        if (static_cast<int>(result.size()) < num) result.push_back(std::move(x));
      }
    }
    scanned += static_cast<int>(partitions.size());
  }
  return result;
}

template <class T>
T Rdd<T>::first() const {
  auto one = take(1);
  if (one.empty()) throw UnsupportedOperationError("first: empty collection");
  return std::move(one.front());
}

template <class T>
template <class F>
T Rdd<T>::reduce(F f) const {
  static_assert(std::is_invocable_r_v<T, F&, T, T>, "reduce expects f(T, T) -> T");
  auto parts = detail::runPerPartition<std::optional<T>>(
      node_, detail::allPartitions(getNumPartitions()), [&](const TaskContext& ctx, int p) {
        std::optional<T> acc;
        F g = f;
        auto each = [&](T& x) {
          if (acc) {
            acc = g(std::move(*acc), std::move(x));
          } else {
            acc.emplace(std::move(x));
          }
        };
        auto sink = makeEachSink<T>(each);
        node_->iterate(ctx, p, sink);
        return acc;
      });
  std::optional<T> result;
  F g = f;
  for (auto& part : parts) {
    if (!part) continue;
    if (result) {
      result = g(std::move(*result), std::move(*part));
    } else {
      result = std::move(part);
    }
  }
  if (!result) throw UnsupportedOperationError("reduce: empty collection");
  return std::move(*result);
}

template <class T>
template <class F>
T Rdd<T>::fold(T zeroValue, F f) const {
  return aggregate(zeroValue, f, f);
}

template <class T>
template <class U, class Seq, class Comb>
U Rdd<T>::aggregate(U zeroValue, Seq seqOp, Comb combOp) const {
  static_assert(std::is_invocable_r_v<U, Seq&, U, T>, "aggregate: seqOp must be f(U, T) -> U");
  static_assert(std::is_invocable_r_v<U, Comb&, U, U>, "aggregate: combOp must be f(U, U) -> U");
  auto parts = detail::runPerPartition<std::optional<U>>(
      node_, detail::allPartitions(getNumPartitions()), [&](const TaskContext& ctx, int p) {
        U acc = zeroValue;
        Seq op = seqOp;
        auto each = [&](T& x) { acc = op(std::move(acc), std::move(x)); };
        auto sink = makeEachSink<T>(each);
        node_->iterate(ctx, p, sink);
        return std::optional<U>(std::move(acc));
      });
  U result = zeroValue;
  Comb comb = combOp;
  for (auto& part : parts) result = comb(std::move(result), std::move(*part));
  return result;
}

template <class T>
template <class F>
void Rdd<T>::foreach (F f) const {
  detail::runJob(node_, detail::allPartitions(getNumPartitions()),
                 [&](const TaskContext& ctx, int p) {
                   F g = f;
                   auto each = [&](T& x) { g(x); };
                   auto sink = makeEachSink<T>(each);
                   node_->iterate(ctx, p, sink);
                 });
}

template <class T>
template <class F>
void Rdd<T>::foreachPartition(F f) const {
  detail::runJob(node_, detail::allPartitions(getNumPartitions()),
                 [&](const TaskContext& ctx, int p) {
                   std::vector<T> data;
                   VectorSink<T> sink(data);
                   node_->iterate(ctx, p, sink);
                   F g = f;
                   g(data);
                 });
}

template <class T>
std::map<T, std::int64_t> Rdd<T>::countByValue() const {
  auto parts = detail::runPerPartition<detail::KeyMap<T, std::int64_t>>(
      node_, detail::allPartitions(getNumPartitions()), [&](const TaskContext& ctx, int p) {
        detail::KeyMap<T, std::int64_t> counts;
        auto each = [&](T& x) { ++counts[std::move(x)]; };
        auto sink = makeEachSink<T>(each);
        node_->iterate(ctx, p, sink);
        return counts;
      });
  std::map<T, std::int64_t> result;
  for (auto& part : parts) {
    for (auto& [k, n] : part) result[k] += n;
  }
  return result;
}

template <class T>
bool Rdd<T>::isEmpty() const {
  return getNumPartitions() == 0 || take(1).empty();
}

template <class T>
void Rdd<T>::saveAsTextFile(const std::string& path) const {
  namespace fs = std::filesystem;
  if (fs::exists(path)) throw IoError("Output directory " + path + " already exists");
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw IoError("cannot create output directory " + path + ": " + ec.message());
  detail::runJob(node_, detail::allPartitions(getNumPartitions()),
                 [&](const TaskContext& ctx, int p) {
                   fs::path file = fs::path(path) / fmt::format("part-{:05d}", p);
                   std::ofstream out(file, std::ios::binary | std::ios::trunc);
                   std::string line;
                   auto each = [&](T& x) {
                     line.clear();
                     detail::appendShown(line, x);
                     line += '\n';
                     out.write(line.data(), static_cast<std::streamsize>(line.size()));
                   };
                   auto sink = makeEachSink<T>(each);
                   node_->iterate(ctx, p, sink);
                   if (!out) throw IoError("cannot write " + file.string());
                 });
  std::ofstream success(fs::path(path) / "_SUCCESS");
}

}  // namespace ember
