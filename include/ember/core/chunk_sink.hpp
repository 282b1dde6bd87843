#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

/// Marks the small functions that pass one element from an operator to the next in a fused
/// chain: inlined, so that a chain compiles to one loop even where the compiler's own estimate
/// would stop inlining (a chain is many nested templates deep).
#define EMBER_INLINE [[gnu::always_inline]] inline
#define EMBER_LAMBDA_INLINE __attribute__((always_inline))

namespace ember {

namespace detail {
/// Whether a writer builds a record in place from what a function returns: `out.produce(make)`
/// with make() the record, a prvalue (see CombineWriter).
template <class W>
inline constexpr bool kBuildsInPlace = requires {
  W::kBuildsInPlace;
};
}  // namespace detail

/// How many elements travel together between operators of a fused pipeline. The pipeline pays one
/// virtual call per chunk and operator, never one per element.
inline constexpr std::size_t kChunkSize = 1024;

/// Receives the elements of one partition, a chunk at a time, in order.
template <class T>
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  /// Takes the next elements. May move from them or take the vector; the producer clears it after.
  virtual void push(std::vector<T>& chunk) = 0;
  /// Takes data[begin, end), which the producer keeps (a source, a cached block, a shuffle
  /// output). Sinks that only read their input override it to skip the copy made here.
  virtual void pushConst(const std::vector<T>& data, std::size_t begin, std::size_t end) {
    std::vector<T> chunk;
    for (std::size_t i = begin; i < end; i += kChunkSize) {
      std::size_t stop = std::min(end, i + kChunkSize);
      chunk.assign(data.begin() + static_cast<std::ptrdiff_t>(i),
                   data.begin() + static_cast<std::ptrdiff_t>(stop));
      push(chunk);
      chunk.clear();
    }
  }
};

/// Appends everything it receives to a vector.
template <class T>
class VectorSink final : public ChunkSink<T> {
 public:
  explicit VectorSink(std::vector<T>& out) : out_(out) {}
  void push(std::vector<T>& chunk) override {
    if (out_.empty()) {
      out_.swap(chunk);
    } else {
      out_.insert(out_.end(), std::make_move_iterator(chunk.begin()),
                  std::make_move_iterator(chunk.end()));
    }
  }
  void pushConst(const std::vector<T>& data, std::size_t begin, std::size_t end) override {
    out_.insert(out_.end(), data.begin() + static_cast<std::ptrdiff_t>(begin),
                data.begin() + static_cast<std::ptrdiff_t>(end));
  }

 private:
  std::vector<T>& out_;
};

/// Calls a function on each element; the function is inlined into the chunk loop.
template <class T, class F>
class EachSink final : public ChunkSink<T> {
 public:
  explicit EachSink(F& f) : f_(f) {}
  void push(std::vector<T>& chunk) override {
    for (auto& x : chunk) f_(x);
  }

 private:
  F& f_;
};

template <class T, class F>
EachSink<T, F> makeEachSink(F& f) {
  return EachSink<T, F>(f);
}

/// Hands each element to a writer (see core/pipeline.hpp): moved when the producer gives it up,
/// by reference when the producer keeps it.
template <class T, class W>
class ElementSink final : public ChunkSink<T> {
 public:
  explicit ElementSink(W& out) : out_(out) {}
  void push(std::vector<T>& chunk) override {
    for (auto& x : chunk) out_(std::move(x));
  }
  void pushConst(const std::vector<T>& data, std::size_t begin, std::size_t end) override {
    for (std::size_t i = begin; i < end; ++i) out_(data[i]);
  }

 private:
  W& out_;
};

/// Gathers single elements into chunks for a downstream sink. Call flush() at the end.
template <class T>
class ChunkWriter {
 public:
  explicit ChunkWriter(ChunkSink<T>& out) : out_(out) { buffer_.reserve(kChunkSize); }

  EMBER_INLINE void operator()(T&& x) {
    buffer_.push_back(std::move(x));
    if (buffer_.size() >= kChunkSize) flush();
  }
  EMBER_INLINE void operator()(const T& x) {
    buffer_.push_back(x);
    if (buffer_.size() >= kChunkSize) flush();
  }
  template <class... Args>
  EMBER_INLINE void emplace(Args&&... args) {
    buffer_.emplace_back(std::forward<Args>(args)...);
    if (buffer_.size() >= kChunkSize) flush();
  }
  void flush() {
    if (buffer_.empty()) return;
    out_.push(buffer_);
    buffer_.clear();
    if (buffer_.capacity() == 0) buffer_.reserve(kChunkSize);
  }

 private:
  ChunkSink<T>& out_;
  std::vector<T> buffer_;
};

/// Offers data[begin, end) downstream, leaving data untouched (sources and caches).
template <class T>
void pushCopies(const std::vector<T>& data, std::size_t begin, std::size_t end, ChunkSink<T>& out) {
  if (begin < end) out.pushConst(data, begin, end);
}

/// Pushes data downstream by moving it (data the caller owns and no longer needs).
template <class T>
void pushOwned(std::vector<T>&& data, ChunkSink<T>& out) {
  if (data.empty()) return;
  out.push(data);
}

}  // namespace ember
