#include "active_context.hpp"

#include <mutex>

#include "ember/core/error.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember::detail {

namespace {
std::mutex g_mutex;
StreamingContext* g_active = nullptr;
std::unique_ptr<StreamingContext> g_created;  // made by getOrCreate
}  // namespace

void ActiveContext::claim(StreamingContext* ssc) {
  std::lock_guard lock(g_mutex);
  if (g_active != nullptr && g_active != ssc) {
    throw IllegalStateError(
        "Only one StreamingContext may be started in this process: stop the active one first");
  }
  g_active = ssc;
}

void ActiveContext::release(StreamingContext* ssc) noexcept {
  std::lock_guard lock(g_mutex);
  if (g_active == ssc) g_active = nullptr;
}

StreamingContext* ActiveContext::get() {
  std::lock_guard lock(g_mutex);
  return g_active;
}

StreamingContext& ActiveContext::getOrCreate(
    const std::function<std::unique_ptr<StreamingContext>()>& create) {
  if (StreamingContext* active = get()) return *active;
  auto created = create();
  if (!created) throw IllegalArgumentError("getActiveOrCreate: creatingFunc returned null");
  std::lock_guard lock(g_mutex);
  g_created = std::move(created);
  return *g_created;
}

}  // namespace ember::detail
