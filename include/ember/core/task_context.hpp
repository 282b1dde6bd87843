#pragma once

namespace ember {

/// What a running task knows about itself (Spark's TaskContext). Inside a task (the functions
/// given to an RDD's actions and operators, such as foreachPartition), TaskContext::get() is the
/// task's own context; the scheduler sets it on the task's thread for the time of the task.
///
/// The guide's exactly-once output uses (batch time, TaskContext::get().partitionId()) as the
/// id of what a task commits.
class TaskContext {
 public:
  TaskContext(int stageId, int partitionId, int attemptNumber)
      : stage_id_(stageId), partition_id_(partitionId), attempt_number_(attemptNumber) {}

  /// The stage the task belongs to; stage ids grow over the engine's life.
  int stageId() const { return stage_id_; }
  /// The index of the partition the task computes.
  int partitionId() const { return partition_id_; }
  /// How many times this task was tried before: ember runs each task once, so always 0.
  int attemptNumber() const { return attempt_number_; }

  /// The context of the task running on the calling thread. Throws IllegalStateError when the
  /// thread is not running a task (on the driver, e.g. directly in foreachRDD's function): call
  /// it inside a function that runs in a task, such as the one given to rdd.foreachPartition.
  static const TaskContext& get();

 private:
  int stage_id_;
  int partition_id_;
  int attempt_number_;
};

namespace detail {

/// Makes a context the calling thread's current task context for this object's life, and
/// restores the one before (a task that runs a job of its own runs nested tasks on its thread).
class ScopedTaskContext {
 public:
  explicit ScopedTaskContext(const TaskContext& ctx);
  ~ScopedTaskContext();
  ScopedTaskContext(const ScopedTaskContext&) = delete;
  ScopedTaskContext& operator=(const ScopedTaskContext&) = delete;

 private:
  const TaskContext* previous_;
};

}  // namespace detail
}  // namespace ember
