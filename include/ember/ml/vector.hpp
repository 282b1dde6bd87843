#pragma once

#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ember::ml {

/// MLlib's Vector: a dense array of doubles, or a sparse one (a size, strictly increasing
/// indices and their values). A value type: copies are deep, and equality compares the values
/// whatever the form (Spark's equals: dense [1.0,0.0] == sparse (2,[0],[1.0])).
///
/// Text form (toString, operator<<, Vectors::parse) is Spark's: dense `[1.0,2.0]`, sparse
/// `(3,[0,2],[1.0,4.0])`, doubles as Java prints them.
class Vector {
 public:
  /// The empty dense vector.
  Vector() = default;

  bool isSparse() const noexcept { return sparse_; }
  int size() const noexcept { return size_; }
  /// The element at i (0 for an index a sparse vector does not store). Throws
  /// IllegalArgumentError when i is outside [0, size()).
  double operator()(int i) const;
  double apply(int i) const { return (*this)(i); }

  /// The stored values: all of them (dense), or those at indices() (sparse).
  const std::vector<double>& values() const noexcept { return values_; }
  /// The indices of a sparse vector's values; empty for a dense vector.
  const std::vector<int>& indices() const noexcept { return indices_; }
  /// The number of stored values (Spark's numActives).
  int numActives() const noexcept { return static_cast<int>(values_.size()); }
  int numNonzeros() const noexcept;

  /// Every element, zeros included.
  std::vector<double> toArray() const;
  Vector toDense() const;
  /// The sparse form: the nonzero elements.
  Vector toSparse() const;

  /// f(index, value) for every stored value, in index order.
  template <class F>
  void foreachActive(F&& f) const {
    if (sparse_) {
      for (std::size_t j = 0; j < values_.size(); ++j) f(indices_[j], values_[j]);
    } else {
      for (std::size_t j = 0; j < values_.size(); ++j) f(static_cast<int>(j), values_[j]);
    }
  }

  /// Spark's form: `[1.0,2.0]` or `(3,[0,2],[1.0,4.0])`.
  std::string toString() const;

  friend bool operator==(const Vector& a, const Vector& b);
  friend bool operator!=(const Vector& a, const Vector& b) { return !(a == b); }

  /// cereal's hook: serialized storage levels and checkpoints keep vectors.
  template <class Archive>
  void serialize(Archive& ar) {
    ar(size_, sparse_, indices_, values_);
  }

 private:
  friend struct Vectors;
  int size_ = 0;
  bool sparse_ = false;
  std::vector<int> indices_;
  std::vector<double> values_;
};

std::ostream& operator<<(std::ostream& os, const Vector& v);

/// MLlib's Vectors factory and the vector functions the models use.
struct Vectors {
  static Vector dense(std::vector<double> values);
  static Vector dense(std::initializer_list<double> values) {
    return dense(std::vector<double>(values));
  }
  /// Throws IllegalArgumentError when size is negative, the two arrays differ in length, an
  /// index is negative or not below size, or the indices are not strictly increasing.
  static Vector sparse(int size, std::vector<int> indices, std::vector<double> values);
  /// A dense vector of n zeros. Throws IllegalArgumentError when n is negative.
  static Vector zeros(int n);
  /// Parses Spark's text forms: `[1.0,2.0]` (dense) and `(3,[0,2],[1.0,4.0])` (sparse), with
  /// numbers as Java's Double.parseDouble reads them (spaces around them allowed, NaN,
  /// Infinity). Throws IllegalArgumentError naming what is wrong and the input.
  static Vector parse(std::string_view s);

  /// The dot product. Throws IllegalArgumentError when the sizes differ.
  static double dot(const Vector& a, const Vector& b);
  /// Squared Euclidean distance. Throws IllegalArgumentError when the sizes differ.
  static double sqdist(const Vector& a, const Vector& b);
  /// The p-norm (p >= 1; infinity for the largest magnitude). Throws IllegalArgumentError when
  /// p < 1.
  static double norm(const Vector& v, double p);
};

namespace detail {
/// Throws IllegalArgumentError saying that `what` needs vectors of equal sizes, with both sizes.
[[noreturn]] void throwSizeMismatch(const char* what, int a, int b);
}  // namespace detail

}  // namespace ember::ml
