#include "ember/core/task_context.hpp"

#include "ember/core/error.hpp"

namespace ember {

namespace {
thread_local const TaskContext* t_current = nullptr;
}  // namespace

const TaskContext& TaskContext::get() {
  if (t_current == nullptr) {
    throw IllegalStateError(
        "TaskContext::get() called outside a task: it is only set while a task runs (for "
        "example inside rdd.foreachPartition's function, not directly in foreachRDD's)");
  }
  return *t_current;
}

namespace detail {

ScopedTaskContext::ScopedTaskContext(const TaskContext& ctx) : previous_(t_current) {
  t_current = &ctx;
}

ScopedTaskContext::~ScopedTaskContext() {
  t_current = previous_;
}

}  // namespace detail
}  // namespace ember
