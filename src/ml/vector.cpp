#include "ember/ml/vector.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

#include "ember/core/error.hpp"
#include "ember/core/show.hpp"
#include "numeric_parser.hpp"

namespace ember::ml {

namespace detail {
void throwSizeMismatch(const char* what, int a, int b) {
  throw IllegalArgumentError(std::string(what) + " needs vectors of the same size, but got sizes " +
                             std::to_string(a) + " and " + std::to_string(b));
}
}  // namespace detail

namespace {

void appendValues(std::string& out, const std::vector<double>& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    ember::detail::appendJavaDouble(out, values[i]);
  }
  out += ']';
}

}  // namespace

double Vector::operator()(int i) const {
  if (i < 0 || i >= size_) {
    throw IllegalArgumentError("Vector index " + std::to_string(i) +
                               " is out of range: the vector has size " + std::to_string(size_));
  }
  if (!sparse_) return values_[static_cast<std::size_t>(i)];
  auto it = std::lower_bound(indices_.begin(), indices_.end(), i);
  if (it == indices_.end() || *it != i) return 0.0;
  return values_[static_cast<std::size_t>(it - indices_.begin())];
}

int Vector::numNonzeros() const noexcept {
  return static_cast<int>(
      std::count_if(values_.begin(), values_.end(), [](double x) { return x != 0.0; }));
}

std::vector<double> Vector::toArray() const {
  if (!sparse_) return values_;
  std::vector<double> out(static_cast<std::size_t>(size_), 0.0);
  for (std::size_t j = 0; j < values_.size(); ++j) {
    out[static_cast<std::size_t>(indices_[j])] = values_[j];
  }
  return out;
}

Vector Vector::toDense() const {
  return Vectors::dense(toArray());
}

Vector Vector::toSparse() const {
  std::vector<int> indices;
  std::vector<double> values;
  foreachActive([&](int i, double x) {
    if (x != 0.0) {
      indices.push_back(i);
      values.push_back(x);
    }
  });
  return Vectors::sparse(size_, std::move(indices), std::move(values));
}

std::string Vector::toString() const {
  std::string out;
  if (!sparse_) {
    appendValues(out, values_);
    return out;
  }
  out += '(';
  out += std::to_string(size_);
  out += ",[";
  for (std::size_t j = 0; j < indices_.size(); ++j) {
    if (j) out += ',';
    out += std::to_string(indices_[j]);
  }
  out += "],";
  appendValues(out, values_);
  out += ')';
  return out;
}

bool operator==(const Vector& a, const Vector& b) {
  if (a.size_ != b.size_) return false;
  if (!a.sparse_ && !b.sparse_) return a.values_ == b.values_;
  // Compare the stored values in index order, an index one side lacks reading as 0: explicit
  // zeros do not count, so (2,[0],[0.0]) equals (2,[],[]) and [0.0,0.0], as in Spark.
  std::size_t i = 0;
  std::size_t j = 0;
  auto index = [](const Vector& v, std::size_t k) {
    return v.sparse_ ? v.indices_[k] : static_cast<int>(k);
  };
  while (i < a.values_.size() || j < b.values_.size()) {
    int ia = i < a.values_.size() ? index(a, i) : a.size_;
    int ib = j < b.values_.size() ? index(b, j) : b.size_;
    double x = ia <= ib ? a.values_[i] : 0.0;
    double y = ib <= ia ? b.values_[j] : 0.0;
    if (x != y) return false;
    if (ia <= ib) ++i;
    if (ib <= ia) ++j;
  }
  return true;
}

std::ostream& operator<<(std::ostream& os, const Vector& v) {
  return os << v.toString();
}

Vector Vectors::dense(std::vector<double> values) {
  if (values.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw IllegalArgumentError("A vector holds at most 2^31 - 1 values, got " +
                               std::to_string(values.size()));
  }
  Vector v;
  v.size_ = static_cast<int>(values.size());
  v.values_ = std::move(values);
  return v;
}

Vector Vectors::sparse(int size, std::vector<int> indices, std::vector<double> values) {
  if (size < 0) {
    throw IllegalArgumentError("The size of a sparse vector must be nonnegative, got " +
                               std::to_string(size));
  }
  if (indices.size() != values.size()) {
    throw IllegalArgumentError(
        "Sparse vectors require that the dimension of the indices match the dimension of the "
        "values. You provided " +
        std::to_string(indices.size()) + " indices and " + std::to_string(values.size()) +
        " values.");
  }
  int previous = -1;
  for (int i : indices) {
    if (i < 0) throw IllegalArgumentError("Found negative index: " + std::to_string(i) + ".");
    if (i <= previous) {
      throw IllegalArgumentError("Indices " + std::to_string(previous) + " and " +
                                 std::to_string(i) + " are not strictly increasing");
    }
    if (i >= size) {
      throw IllegalArgumentError("Index " + std::to_string(i) +
                                 " out of bounds for vector of size " + std::to_string(size));
    }
    previous = i;
  }
  Vector v;
  v.size_ = size;
  v.sparse_ = true;
  v.indices_ = std::move(indices);
  v.values_ = std::move(values);
  return v;
}

Vector Vectors::zeros(int n) {
  if (n < 0) {
    throw IllegalArgumentError("The size of a vector must be nonnegative, got " +
                               std::to_string(n));
  }
  return dense(std::vector<double>(static_cast<std::size_t>(n), 0.0));
}

Vector Vectors::parse(std::string_view s) {
  ml::detail::Numeric parsed = ml::detail::parseNumeric(s);
  if (auto* array = std::get_if<std::vector<double>>(&parsed.value)) {
    return dense(std::move(*array));
  }
  if (auto* tuple = std::get_if<ml::detail::NumericTuple>(&parsed.value)) {
    if (tuple->size() == 3 && std::holds_alternative<double>((*tuple)[0].value) &&
        std::holds_alternative<std::vector<double>>((*tuple)[1].value) &&
        std::holds_alternative<std::vector<double>>((*tuple)[2].value)) {
      double size = std::get<double>((*tuple)[0].value);
      std::vector<int> indices;
      for (double x : std::get<std::vector<double>>((*tuple)[1].value)) {
        indices.push_back(static_cast<int>(x));
      }
      try {
        return sparse(static_cast<int>(size), std::move(indices),
                      std::move(std::get<std::vector<double>>((*tuple)[2].value)));
      } catch (const IllegalArgumentError& e) {
        throw IllegalArgumentError(std::string(e.what()) + " (parsing \"" + std::string(s) + "\")");
      }
    }
  }
  throw IllegalArgumentError(
      "Cannot parse a vector from " + ml::detail::describeNumeric(parsed) +
      ": expected [v1,v2,...] or (size,[i1,i2,...],[v1,v2,...]) (parsing \"" + std::string(s) +
      "\")");
}

double Vectors::dot(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) detail::throwSizeMismatch("dot", a.size(), b.size());
  if (!a.isSparse() && !b.isSparse()) {
    double sum = 0.0;
    const double* x = a.values().data();
    const double* y = b.values().data();
    for (std::size_t i = 0, n = a.values().size(); i < n; ++i) sum += x[i] * y[i];
    return sum;
  }
  if (a.isSparse() && b.isSparse()) {
    double sum = 0.0;
    std::size_t i = 0, j = 0;
    const auto& ia = a.indices();
    const auto& ib = b.indices();
    while (i < ia.size() && j < ib.size()) {
      if (ia[i] == ib[j]) {
        sum += a.values()[i++] * b.values()[j++];
      } else if (ia[i] < ib[j]) {
        ++i;
      } else {
        ++j;
      }
    }
    return sum;
  }
  const Vector& s = a.isSparse() ? a : b;
  const Vector& d = a.isSparse() ? b : a;
  double sum = 0.0;
  s.foreachActive([&](int i, double x) { sum += x * d.values()[static_cast<std::size_t>(i)]; });
  return sum;
}

double Vectors::sqdist(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) detail::throwSizeMismatch("sqdist", a.size(), b.size());
  if (!a.isSparse() && !b.isSparse()) {
    double sum = 0.0;
    for (std::size_t i = 0, n = a.values().size(); i < n; ++i) {
      double d = a.values()[i] - b.values()[i];
      sum += d * d;
    }
    return sum;
  }
  std::vector<double> x = a.toArray();
  std::vector<double> y = b.toArray();
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
  return sum;
}

double Vectors::norm(const Vector& v, double p) {
  if (!(p >= 1.0)) {
    throw IllegalArgumentError(
        "To compute the p-norm of a vector, we require that you specify a "
        "p>=1. You specified p=" +
        ember::toString(p) + ".");
  }
  const auto& values = v.values();
  double sum = 0.0;
  if (p == 1.0) {
    for (double x : values) sum += std::abs(x);
    return sum;
  }
  if (p == 2.0) {
    for (double x : values) sum += x * x;
    return std::sqrt(sum);
  }
  if (std::isinf(p)) {
    double max = 0.0;
    for (double x : values) max = std::max(max, std::abs(x));
    return max;
  }
  for (double x : values) sum += std::pow(std::abs(x), p);
  return std::pow(sum, 1.0 / p);
}

}  // namespace ember::ml
