#pragma once

#include <optional>
#include <string>
#include <utility>

#include "ember/core/error.hpp"
#include "ember/core/show.hpp"

namespace ember {

namespace detail {
struct StateAccess;
}

/// The state of one key, as a mapWithState function sees it (Spark's State). The function may
/// read it, replace it with update() or drop it with remove(); what it leaves is kept for the
/// key's next call. A State is valid only during the call it is passed to.
///
/// As Spark's: update() after remove(), update() or remove() of a state that is timing out, and
/// a second remove() are refused with IllegalArgumentError.
template <class S>
class State {
 public:
  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  /// Whether the key has a state (before this call, or set by update() in it).
  bool exists() const { return defined_; }

  /// The state. Throws NoSuchElementError when there is none (check exists(), or use
  /// getOption()).
  const S& get() const {
    if (!defined_) {
      throw NoSuchElementError(
          "State is not set: this key has no state (check exists() before get(), or use "
          "getOption())");
    }
    return updated_ ? *new_ : *existing_;
  }

  /// The state, or nothing when there is none.
  std::optional<S> getOption() const { return defined_ ? std::optional<S>(get()) : std::nullopt; }

  /// Sets the key's state. Throws IllegalArgumentError after remove() in the same call, and
  /// when the state is timing out.
  void update(S newState) {
    if (removed_) {
      throw IllegalArgumentError(
          "Cannot update the state after it has been removed: remove() was already called in "
          "this call of the mapping function");
    }
    if (timing_out_) {
      throw IllegalArgumentError(
          "Cannot update the state that is timing out: when isTimingOut() is true the key is "
          "dropped after this call, whatever the function does");
    }
    new_ = std::move(newState);
    defined_ = true;
    updated_ = true;
  }

  /// Drops the key's state (allowed when there is none). Throws IllegalArgumentError when the
  /// state is timing out (it is dropped anyway) and when it was already removed in this call.
  void remove() {
    if (timing_out_) {
      throw IllegalArgumentError(
          "Cannot remove the state that is timing out: when isTimingOut() is true the key is "
          "dropped after this call without remove()");
    }
    if (removed_) {
      throw IllegalArgumentError(
          "Cannot remove the state that has already been removed: remove() may be called once "
          "per call of the mapping function");
    }
    new_.reset();
    defined_ = false;
    updated_ = false;
    removed_ = true;
  }

  /// True when the function is called because the key received no data for the spec's timeout:
  /// the value is then std::nullopt, and the key is dropped after the call.
  bool isTimingOut() const { return timing_out_; }

  /// The state in print() form, or "<state not set>" when there is none (as Spark's).
  std::string toString() const { return defined_ ? ember::toString(get()) : "<state not set>"; }

 private:
  friend struct detail::StateAccess;

  const S* existing_ = nullptr;  // the stored state; it outlives the call
  std::optional<S> new_;         // set by update()
  bool defined_ = false;
  bool updated_ = false;
  bool removed_ = false;
  bool timing_out_ = false;
};

namespace detail {

/// What the state store needs from a State besides its public interface: rewrapping one object
/// for every record (as Spark's StateImpl), and reading what the function did.
struct StateAccess {
  template <class S>
  static void wrap(State<S>& s, const S* existing) {
    s.existing_ = existing;
    s.new_.reset();
    s.defined_ = existing != nullptr;
    s.updated_ = false;
    s.removed_ = false;
    s.timing_out_ = false;
  }
  template <class S>
  static void wrapTimingOut(State<S>& s, const S& existing) {
    wrap(s, &existing);
    s.timing_out_ = true;
  }
  template <class S>
  static bool isRemoved(const State<S>& s) {
    return s.removed_;
  }
  template <class S>
  static bool isUpdated(const State<S>& s) {
    return s.updated_;
  }
  /// The value given to update(); only when isUpdated().
  template <class S>
  static S&& takeUpdated(State<S>& s) {
    return std::move(*s.new_);
  }
};

}  // namespace detail
}  // namespace ember
