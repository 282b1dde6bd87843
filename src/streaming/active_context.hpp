#pragma once

#include <functional>
#include <memory>

namespace ember {
class StreamingContext;
}

namespace ember::detail {

/// The one StreamingContext started in this process and not yet stopped (Spark's
/// StreamingContext.activeContext), and the context getActiveOrCreate made, which lives until
/// the end of the process. Thread-safe.
class ActiveContext {
 public:
  /// Makes `ssc` the active context. Throws IllegalStateError when another one is active.
  static void claim(StreamingContext* ssc);
  /// Forgets `ssc` if it is the active context. Does not throw.
  static void release(StreamingContext* ssc) noexcept;
  /// The active context, or nullptr.
  static StreamingContext* get();
  /// The active context, or the one `create` makes, kept until the end of the process. Throws
  /// IllegalArgumentError when `create` returns null, and rethrows what it throws.
  static StreamingContext& getOrCreate(
      const std::function<std::unique_ptr<StreamingContext>()>& create);
};

}  // namespace ember::detail
