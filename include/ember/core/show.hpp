#pragma once

#include <fmt/format.h>

#include <concepts>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace ember {

/// Renders a value as Spark prints records: pairs and tuples as `(a,b)`, an empty optional as
/// `None` and a full one as `Some(x)`, doubles with at least one decimal (`1.0`), booleans as
/// `true`/`false`, vectors as `[a, b]`, maps as `{k: v, ...}`. Other types need an `operator<<`.
template <class T>
std::string toString(const T& value);

namespace detail {

template <class T>
concept Streamable = requires(std::ostream& os, const T& x) {
  os << x;
};

template <class T>
void appendShown(std::string& out, const T& value);

/// Java's Double.toString: "1.0", "0.001", "1.0E7", "1.234E-5", "NaN", "Infinity", with the
/// shortest digits that read back as the same double.
void appendJavaDouble(std::string& out, double value);
void appendJavaDouble(std::string& out, float value);

template <class T>
struct Shower {
  static void append(std::string& out, const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      out += value ? "true" : "false";
    } else if constexpr (std::is_same_v<T, char>) {
      out += value;
    } else if constexpr (std::is_floating_point_v<T>) {
      if constexpr (std::is_same_v<T, float>) {
        appendJavaDouble(out, value);
      } else {
        appendJavaDouble(out, static_cast<double>(value));
      }
    } else if constexpr (std::is_arithmetic_v<T>) {
      fmt::format_to(std::back_inserter(out), "{}", value);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      out += std::string_view(value);
    } else {
      static_assert(Streamable<T>,
                    "ember cannot print this type: give it an operator<<(std::ostream&, const T&)");
      std::ostringstream os;
      os << value;
      out += os.str();
    }
  }
};

template <class A, class B>
struct Shower<std::pair<A, B>> {
  static void append(std::string& out, const std::pair<A, B>& p) {
    out += '(';
    appendShown(out, p.first);
    out += ',';
    appendShown(out, p.second);
    out += ')';
  }
};

template <class... Ts>
struct Shower<std::tuple<Ts...>> {
  static void append(std::string& out, const std::tuple<Ts...>& t) {
    out += '(';
    bool first = true;
    std::apply(
        [&](const auto&... xs) {
          ((out += first ? "" : ",", first = false, appendShown(out, xs)), ...);
        },
        t);
    out += ')';
  }
};

template <class T>
struct Shower<std::optional<T>> {
  static void append(std::string& out, const std::optional<T>& o) {
    if (!o) {
      out += "None";
      return;
    }
    out += "Some(";
    appendShown(out, *o);
    out += ')';
  }
};

template <class T, class A>
struct Shower<std::vector<T, A>> {
  static void append(std::string& out, const std::vector<T, A>& v) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ", ";
      appendShown(out, v[i]);
    }
    out += ']';
  }
};

template <class K, class V, class C, class A>
struct Shower<std::map<K, V, C, A>> {
  static void append(std::string& out, const std::map<K, V, C, A>& m) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : m) {
      if (!first) out += ", ";
      first = false;
      appendShown(out, k);
      out += ": ";
      appendShown(out, v);
    }
    out += '}';
  }
};

template <class T>
void appendShown(std::string& out, const T& value) {
  Shower<T>::append(out, value);
}

}  // namespace detail

template <class T>
std::string toString(const T& value) {
  std::string out;
  detail::appendShown(out, value);
  return out;
}

}  // namespace ember
