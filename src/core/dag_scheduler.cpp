#include <exception>
#include <functional>
#include <unordered_set>

#include "ember/core/logging.hpp"
#include "ember/core/rdd_node.hpp"

namespace ember::detail {

RddNodeBase::~RddNodeBase() {
  if (storageLevel().isValid() && !engine_->isStopped()) dropBlocks();
}

bool RddNodeBase::fullyCached() const {
  return engine_->blocks().numBlocks(id_) == num_partitions_;
}

void RddNodeBase::dropBlocks() const {
  if (!engine_->isStopped()) engine_->blocks().removeRdd(id_);
}

namespace {

// The shuffles whose outputs the stage ending at `node` reads: found through narrow parents,
// stopping at fully cached datasets.
void stageShuffles(const RddNodeBase& node, std::vector<ShuffleDependencyBase*>& out,
                   std::unordered_set<const RddNodeBase*>& seen) {
  if (!seen.insert(&node).second) return;
  if (node.storageLevel().isValid() && node.fullyCached()) return;
  for (const auto& dep : node.shuffleParents()) out.push_back(dep.get());
  for (const auto& parent : node.narrowParents()) stageShuffles(*parent, out, seen);
}

void runStage(EngineState& engine, int stage_id, const std::vector<int>& partitions,
              const std::function<void(const TaskContext&, int)>& task) {
  auto errors = engine.pool().runTasks(static_cast<int>(partitions.size()), [&](int i) {
    TaskContext ctx(stage_id, partitions[i], 0);
    ScopedTaskContext current(ctx);
    task(ctx, partitions[i]);
  });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    std::string message = describeException(errors[i]);
    logger()->error("task for partition {} in stage {} failed: {}", partitions[i], stage_id,
                    message);
    throw TaskFailedError(stage_id, partitions[i], std::move(message), errors[i]);
  }
}

void ensureShuffle(EngineState& engine, ShuffleDependencyBase& dep) {
  std::lock_guard lock(dep.mutex());
  if (dep.computed()) return;
  const RddNodeBase& parent = *dep.parent();
  std::vector<ShuffleDependencyBase*> parents;
  std::unordered_set<const RddNodeBase*> seen;
  stageShuffles(parent, parents, seen);
  for (auto* p : parents) ensureShuffle(engine, *p);
  std::vector<int> partitions(parent.numPartitions());
  for (int i = 0; i < parent.numPartitions(); ++i) partitions[i] = i;
  dep.prepareMapOutputs(parent.numPartitions());
  int stage_id = engine.newStageId();
  runStage(engine, stage_id, partitions,
           [&](const TaskContext& ctx, int p) { dep.runMapTask(ctx, p); });
  dep.markComputed();
}

}  // namespace

void runJob(const std::shared_ptr<RddNodeBase>& node, const std::vector<int>& partitions,
            const std::function<void(const TaskContext&, int)>& task) {
  EngineState& engine = node->engine();
  engine.checkRunning();
  std::vector<ShuffleDependencyBase*> parents;
  std::unordered_set<const RddNodeBase*> seen;
  stageShuffles(*node, parents, seen);
  for (auto* p : parents) ensureShuffle(engine, *p);
  runStage(engine, engine.newStageId(), partitions, task);
}

}  // namespace ember::detail
