#include "ember/streaming/dstream_node.hpp"

#include <algorithm>

#include "ember/core/error.hpp"
#include "ember/streaming/pipeline_dstream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember::detail {

DStreamNodeBase::DStreamNodeBase(StreamingContext& ssc,
                                 std::vector<std::shared_ptr<DStreamNodeBase>> parents,
                                 std::string name)
    : ssc_(&ssc), parents_(std::move(parents)), name_(std::move(name)) {
  ssc.core().checkCanAdd();
  for (const auto& parent : parents_) {
    if (&parent->context() != &ssc) {
      throw IllegalArgumentError(name_ + ": all streams must belong to the same StreamingContext");
    }
  }
  id_ = ssc.core().nextNodeId();
}

StreamingCore& DStreamNodeBase::core() const {
  return ssc_->core();
}

Duration DStreamNodeBase::slideDuration() const {
  if (parents_.empty()) return ssc_->batchDuration();
  return parents_.front()->slideDuration();
}

std::unique_ptr<NodeStateBase> DStreamNodeBase::makeState(Time zero_time, Duration remember,
                                                          StorageLevel level) const {
  return std::make_unique<NodeStateBase>(zero_time, remember, level);
}

NodeStateBase& DStreamNodeBase::state() const {
  NodeStateBase* state = ssc_->core().nodeState(id_);
  if (state == nullptr) {
    throw IllegalStateError(name_ + " (stream " + std::to_string(id_) +
                            ") has not been initialized: start the context first");
  }
  return *state;
}

bool DStreamNodeBase::isInitialized() const {
  return ssc_->core().nodeState(id_) != nullptr;
}

void DStreamNodeBase::validateAtStart() const {
  Duration slide = slideDuration();
  if (slide.milliseconds() <= 0) {
    throw IllegalArgumentError(name_ + ": slide duration must be positive, got " +
                               slide.toString());
  }
  if (checkpoint_interval_) {
    const Duration interval = *checkpoint_interval_;
    const std::string what = "the checkpoint interval of " + name_ + " (stream " +
                             std::to_string(id_) + ") is " + interval.toString();
    if (!ssc_->core().checkpointDirectory()) {
      throw IllegalArgumentError(what +
                                 " but the checkpoint directory has not been set: set it "
                                 "with StreamingContext::checkpoint(directory)");
    }
    if (interval < slide) {
      throw IllegalArgumentError(what + ", shorter than its slide duration " + slide.toString() +
                                 ": it must be at least " + slide.toString());
    }
    if (!interval.isMultipleOf(slide)) {
      throw IllegalArgumentError(what + ", not a multiple of its slide duration " +
                                 slide.toString() + ": set it to a multiple of " +
                                 slide.toString());
    }
  }
  for (const auto& parent : parents_) parent->validateAtStart();
}

void DStreamNodeBase::setCheckpointInterval(Duration interval) {
  if (ssc_->getState() != StreamingContextState::INITIALIZED) {
    throw UnsupportedOperationError(
        "Cannot change the checkpoint interval of a stream after the streaming context has "
        "started");
  }
  checkpoint_interval_ = interval;
}

Duration DStreamNodeBase::defaultCheckpointInterval() const {
  const Duration slide = slideDuration();
  constexpr std::int64_t kAtLeastMs = 10'000;
  std::int64_t k = (kAtLeastMs + slide.milliseconds() - 1) / slide.milliseconds();
  return slide * std::max<std::int64_t>(k, 1);
}

std::optional<Duration> DStreamNodeBase::effectiveCheckpointInterval() const {
  if (checkpoint_interval_) return checkpoint_interval_;
  if (mustCheckpoint()) return defaultCheckpointInterval();
  return std::nullopt;
}

bool DStreamNodeBase::isTimeValid(Time time) const {
  Time zero = state().zeroTime();
  if (time <= zero) return false;
  return (time - zero).isMultipleOf(slideDuration());
}

void DStreamNodeBase::clearMetadata(Time time) {
  if (!isInitialized()) return;
  forgetBefore(time - rememberDuration());
  for (auto& parent : parents_) parent->clearMetadata(time);
}

bool DStreamNodeBase::unpersistsForgotten() const {
  return ssc_->conf().getBoolean("spark.streaming.unpersist", true);
}

StorageLevel DStreamNodeBase::storageLevel() const {
  if (NodeStateBase* state = ssc_->core().nodeState(id_)) return state->storageLevel();
  return storage_level_;
}

void DStreamNodeBase::setStorageLevel(const StorageLevel& level) {
  if (ssc_->getState() != StreamingContextState::INITIALIZED) {
    throw UnsupportedOperationError(
        "Cannot change storage level of a stream after the streaming context has started");
  }
  storage_level_ = level;
}

void adoptNode(const std::shared_ptr<DStreamNodeBase>& node) {
  node->core().adoptNode(node);
}

bool chainReadsThrough(const std::vector<std::shared_ptr<DStreamNodeBase>>& nodes, Time time) {
  return std::any_of(nodes.begin(), nodes.end(), [time](const auto& node) {
    return node->storageLevel().isValid() || node->hasGenerated(time);
  });
}

}  // namespace ember::detail
