#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ember {

/// Calls f(std::string_view) for each piece split() would return, without building strings.
template <class F>
[[gnu::always_inline]] inline void forEachSplit(std::string_view s, char separator, F&& f) {
  if (s.empty()) {
    f(std::string_view());
    return;
  }
  std::size_t end = s.size();
  while (end > 0 && s[end - 1] == separator) --end;
  std::size_t start = 0;
  while (start < end) {
    std::size_t pos = s.find(separator, start);
    if (pos == std::string_view::npos || pos > end) pos = end;
    f(std::string_view(s.data() + start, pos - start));
    start = pos + 1;
  }
}

/// What split() returns: the pieces of a string, read as a `std::vector<std::string>` (iterated,
/// indexed, compared, converted), which is built on first such use. flatMap reads it without
/// building that vector: each piece goes into the operators that follow as it is found, and
/// becomes a string only where one is asked for. It keeps its own copy of the split text (in
/// place for short texts), so it stays valid after the string it was made from is gone.
class SplitPieces {
 public:
  using value_type = std::string;
  using size_type = std::size_t;
  using iterator = std::vector<std::string>::iterator;
  using const_iterator = std::vector<std::string>::const_iterator;

  /// Throws std::bad_alloc only.
  SplitPieces(std::string_view text, char separator) : separator_(separator), size_(text.size()) {
    char* to = inline_;
    if (size_ > kInline) {
      heap_ = std::make_unique<char[]>(size_);
      to = heap_.get();
    }
    if (size_ > 0) std::memcpy(to, text.data(), size_);
  }
  SplitPieces(const SplitPieces& other) : SplitPieces(other.text(), other.separator_) {
    pieces_ = other.pieces_;
  }
  SplitPieces(SplitPieces&& other) noexcept
      : separator_(other.separator_),
        size_(other.size_),
        heap_(std::move(other.heap_)),
        pieces_(std::move(other.pieces_)) {
    if (!heap_ && size_ > 0) std::memcpy(inline_, other.inline_, size_);
  }
  SplitPieces& operator=(const SplitPieces& other) {
    if (this != &other) *this = SplitPieces(other);
    return *this;
  }
  SplitPieces& operator=(SplitPieces&& other) noexcept {
    if (this == &other) return *this;
    separator_ = other.separator_;
    size_ = other.size_;
    heap_ = std::move(other.heap_);
    if (!heap_ && size_ > 0) std::memcpy(inline_, other.inline_, size_);
    pieces_ = std::move(other.pieces_);
    return *this;
  }
  ~SplitPieces() = default;

  /// Calls f(std::string_view) for each piece, without building strings. Valid before the
  /// pieces are read as a vector (see vectorIfBuilt()).
  template <class F>
  [[gnu::always_inline]] void forEachView(F&& f) const {
    forEachSplit(text(), separator_, f);
  }
  /// The vector, when a use as a vector already built it (and may have changed it); else null.
  std::vector<std::string>* vectorIfBuilt() { return pieces_ ? &*pieces_ : nullptr; }

  /// The pieces as a vector, built on the first call.
  std::vector<std::string>& vector() & { return build(); }
  const std::vector<std::string>& vector() const& { return build(); }
  std::vector<std::string> vector() && { return std::move(build()); }
  operator std::vector<std::string>() const& { return build(); }
  operator std::vector<std::string>() && { return std::move(build()); }

  iterator begin() { return build().begin(); }
  iterator end() { return build().end(); }
  const_iterator begin() const { return build().cbegin(); }
  const_iterator end() const { return build().cend(); }
  std::size_t size() const { return build().size(); }
  bool empty() const { return build().empty(); }
  std::string& operator[](std::size_t i) { return build()[i]; }
  const std::string& operator[](std::size_t i) const { return build()[i]; }
  std::string& front() { return build().front(); }
  const std::string& front() const { return build().front(); }
  std::string& back() { return build().back(); }
  const std::string& back() const { return build().back(); }

  friend bool operator==(const SplitPieces& a, const std::vector<std::string>& b) {
    return a.build() == b;
  }
  friend bool operator==(const SplitPieces& a, const SplitPieces& b) {
    return a.build() == b.build();
  }

 private:
  // Lines of text are mostly shorter than this: copying one is a memcpy, not an allocation.
  static constexpr std::size_t kInline = 192;

  std::string_view text() const { return {heap_ ? heap_.get() : inline_, size_}; }
  std::vector<std::string>& build() const;

  char separator_;
  std::size_t size_;
  std::unique_ptr<char[]> heap_;
  mutable std::optional<std::vector<std::string>> pieces_;
  char inline_[kInline];
};

/// Splits as Scala's/Java's `s.split(" ")` with a one-character separator: "a  b" gives
/// {"a", "", "b"}, trailing empty strings are dropped ("a b " gives {"a", "b"}), and an empty
/// string gives {""}. The result reads as a `std::vector<std::string>` (see SplitPieces).
/// Throws std::bad_alloc only.
inline SplitPieces split(std::string_view s, char separator) {
  return SplitPieces(s, separator);
}

}  // namespace ember
