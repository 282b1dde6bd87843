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

void DStreamNodeBase::initialize(Time zero_time) {
  if (zero_time_ && *zero_time_ != zero_time) {
    throw IllegalStateError(name_ + " was initialized with two different zero times");
  }
  zero_time_ = zero_time;
  if (!remember_set_) {
    remember_duration_ = slideDuration();
    remember_set_ = true;
  }
  for (auto& parent : parents_) parent->initialize(zero_time);
}

void DStreamNodeBase::remember(std::optional<Duration> duration) {
  if (duration && *duration > remember_duration_) remember_duration_ = *duration;
  for (auto& parent : parents_) parent->remember(parentRememberDuration());
}

void DStreamNodeBase::validateAtStart() const {
  if (!zero_time_) throw IllegalStateError(name_ + " was not initialized at start");
  Duration slide = slideDuration();
  if (slide.milliseconds() <= 0) {
    throw IllegalArgumentError(name_ + ": slide duration must be positive, got " +
                               slide.toString());
  }
  for (const auto& parent : parents_) parent->validateAtStart();
}

bool DStreamNodeBase::isTimeValid(Time time) const {
  if (!zero_time_) throw IllegalStateError(name_ + " has not been initialized");
  if (time <= *zero_time_) return false;
  return (time - *zero_time_).isMultipleOf(slideDuration());
}

void DStreamNodeBase::clearMetadata(Time time) {
  if (!zero_time_) return;
  forgetBefore(time - remember_duration_);
  for (auto& parent : parents_) parent->clearMetadata(time);
}

bool DStreamNodeBase::unpersistsForgotten() const {
  return ssc_->conf().getBoolean("spark.streaming.unpersist", true);
}

void DStreamNodeBase::setStorageLevel(const StorageLevel& level) {
  if (ssc_->getState() != StreamingContextState::INITIALIZED) {
    throw UnsupportedOperationError(
        "Cannot change storage level of a stream after the streaming context has started");
  }
  storage_level_ = level;
}

bool chainReadsThrough(const std::vector<std::shared_ptr<DStreamNodeBase>>& nodes, Time time) {
  return std::any_of(nodes.begin(), nodes.end(), [time](const auto& node) {
    return node->storageLevel().isValid() || node->hasGenerated(time);
  });
}

}  // namespace ember::detail
