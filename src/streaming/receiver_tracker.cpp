#include "receiver_tracker.hpp"

#include "block_generator.hpp"
#include "listener_bus.hpp"
#include "rate_estimator.hpp"
#include "receiver_supervisor.hpp"

namespace ember::detail {

ReceiverTracker::ReceiverTracker(const Conf& conf, Clock& clock, ListenerBus& bus,
                                 Duration batch_interval)
    : conf_(conf), clock_(clock), bus_(bus), batch_interval_(batch_interval) {}

void ReceiverTracker::checkReceiverConf() const {
  // What a supervisor reads, made and thrown away: the same code refuses the same values.
  ReceivedBlockQueue sink;
  BlockGenerator probe(
      conf_, clock_, sink, [] { return std::optional<ReceivedBlock>(); },
      [](const std::string&, std::exception_ptr) {});
  if (conf_.getBoolean("spark.streaming.backpressure.enabled", false)) {
    makeRateEstimator(conf_, batch_interval_);
  }
}

ReceiverTracker::~ReceiverTracker() {
  shutdown();
}

void ReceiverTracker::registerReceiver(int stream_id, std::shared_ptr<ReceiverBase> receiver) {
  auto supervisor =
      std::make_unique<ReceiverSupervisor>(*this, std::move(receiver), stream_id, batch_interval_);
  std::lock_guard lock(mutex_);
  supervisors_[stream_id] = std::move(supervisor);
}

std::vector<ReceiverSupervisor*> ReceiverTracker::supervisorsCopy() const {
  std::vector<ReceiverSupervisor*> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, supervisor] : supervisors_) out.push_back(supervisor.get());
  return out;
}

void ReceiverTracker::startReceivers() {
  for (auto* supervisor : supervisorsCopy()) supervisor->start();
}

void ReceiverTracker::stopReceivers(const std::string& message) {
  for (auto* supervisor : supervisorsCopy()) supervisor->stop(message);
}

bool ReceiverTracker::hasUnallocatedBlocks() {
  for (auto* supervisor : supervisorsCopy()) {
    if (supervisor->hasPendingBlocks()) return true;
  }
  return false;
}

void ReceiverTracker::shutdown() {
  std::map<int, std::unique_ptr<ReceiverSupervisor>> supervisors;
  {
    std::lock_guard lock(mutex_);
    supervisors.swap(supervisors_);
  }
  supervisors.clear();  // outside the lock: a supervisor's end posts a receiver event
}

void ReceiverTracker::allocateBlocksToBatch(Time time) {
  std::lock_guard lock(mutex_);
  auto& batch = allocated_[time];
  for (auto& [id, supervisor] : supervisors_) {
    auto blocks = supervisor->takeBlocks();
    std::int64_t n = 0;
    for (const auto& b : blocks) n += b.numRecords;
    input_infos_[time][id] = StreamInputInfo{id, n, {}};
    batch[id] = std::move(blocks);
  }
}

std::vector<ReceivedBlock> ReceiverTracker::blocksOfBatch(int stream_id, Time time) const {
  std::lock_guard lock(mutex_);
  auto it = allocated_.find(time);
  if (it == allocated_.end()) return {};
  auto blocks = it->second.find(stream_id);
  return blocks == it->second.end() ? std::vector<ReceivedBlock>{} : blocks->second;
}

void ReceiverTracker::reportInputInfo(Time time, StreamInputInfo info) {
  std::lock_guard lock(mutex_);
  input_infos_[time][info.inputStreamId] = std::move(info);
}

std::map<int, StreamInputInfo> ReceiverTracker::inputInfos(Time time) const {
  std::lock_guard lock(mutex_);
  auto it = input_infos_.find(time);
  return it == input_infos_.end() ? std::map<int, StreamInputInfo>{} : it->second;
}

void ReceiverTracker::onBatchCompleted(const BatchInfo& info) {
  for (auto* supervisor : supervisorsCopy()) supervisor->onBatchCompleted(info);
}

std::optional<std::int64_t> ReceiverTracker::latestRate(int stream_id) const {
  std::lock_guard lock(mutex_);
  auto it = supervisors_.find(stream_id);
  if (it == supervisors_.end() || it->second->rateController() == nullptr) return std::nullopt;
  return it->second->rateController()->getLatestRate();
}

std::optional<std::int64_t> ReceiverTracker::currentRateLimit(int stream_id) const {
  std::lock_guard lock(mutex_);
  auto it = supervisors_.find(stream_id);
  if (it == supervisors_.end()) return std::nullopt;
  return it->second->blockGenerator().rateLimiter().getCurrentLimit();
}

void ReceiverTracker::cleanupOldBatches(Time threshold) {
  std::lock_guard lock(mutex_);
  allocated_.erase(allocated_.begin(), allocated_.upper_bound(threshold));
  input_infos_.erase(input_infos_.begin(), input_infos_.upper_bound(threshold));
}

void ReceiverTracker::postReceiverEvent(int stream_id, const std::string& name,
                                        const std::string& kind, const std::string& message,
                                        const std::string& error) {
  ReceiverInfo info;
  {
    // As Spark's ReceiverInfo, the last error stays with the receiver across later events.
    std::lock_guard lock(mutex_);
    ReceiverInfo& last = receiver_infos_[stream_id];
    last.streamId = stream_id;
    last.name = name;
    last.active = kind != "stopped";
    if (kind == "error" || (kind == "stopped" && !error.empty())) {
      last.lastErrorMessage = message;
      last.lastError = error;
      last.lastErrorTime = clock_.getTimeMillis();
    }
    info = last;
  }
  if (kind == "error") {
    bus_.post(StreamingListenerReceiverError{info});
  } else if (kind == "started") {
    bus_.post(StreamingListenerReceiverStarted{info});
  } else {
    bus_.post(StreamingListenerReceiverStopped{info});
  }
}

}  // namespace ember::detail
