#include "receiver_tracker.hpp"

#include "block_generator.hpp"
#include "listener_bus.hpp"
#include "rate_estimator.hpp"
#include "receiver_supervisor.hpp"
#include "wal/received_block_log.hpp"

#include <filesystem>

#include "ember/core/logging.hpp"

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

void ReceiverTracker::enableWriteAheadLog(const std::string& checkpoint_directory, bool recover) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, supervisor] : supervisors_) {
    if (!supervisor->receiver().blocksSerializable()) {
      throw UnsupportedOperationError(
          "the receiver write-ahead log needs records it can write: the records of " +
          supervisor->receiver().name() + " (stream " + std::to_string(id) +
          ") are not serializable");
    }
  }
  if (!recover) {
    // What an earlier run logged belongs to no checkpoint this run goes on from.
    for (const char* dir : {"/receivedData", "/receivedBlockMetadata"}) {
      std::error_code ec;
      std::filesystem::remove_all(checkpoint_directory + dir, ec);
    }
  }
  const std::int64_t rolling_ms =
      conf_.getLong("spark.streaming.receiver.writeAheadLog.rollingIntervalSecs", 60) * 1000;
  log_ = std::make_unique<ReceivedBlockLog>(checkpoint_directory, rolling_ms);
  if (recover) {
    ReceivedBlockLog::Recovered recovered = log_->replay();
    log_->setNextBlockId(recovered.next_block_id);
    auto restore = [&](const ReceivedBlockLog::RecoveredBlock& logged,
                       ReceiverSupervisor& supervisor) {
      ReceivedBlock block = supervisor.receiver().deserializeBlock(logged.bytes);
      block.id = logged.block.block_id;
      return block;
    };
    std::size_t batches = 0;
    std::size_t waiting = 0;
    for (const auto& [ms, streams] : recovered.allocated) {
      for (const auto& [stream, blocks] : streams) {
        auto it = supervisors_.find(stream);
        if (it == supervisors_.end()) continue;
        std::int64_t n = 0;
        for (const auto& logged : blocks) {
          allocated_[Time(ms)][stream].push_back(restore(logged, *it->second));
          n += logged.block.num_records;
        }
        input_infos_[Time(ms)][stream] = StreamInputInfo{stream, n, {}};
      }
      ++batches;
    }
    for (const auto& [stream, blocks] : recovered.unallocated) {
      auto it = supervisors_.find(stream);
      if (it == supervisors_.end()) continue;
      std::vector<ReceivedBlock> restored;
      for (const auto& logged : blocks) restored.push_back(restore(logged, *it->second));
      waiting += restored.size();
      it->second->restoreBlocks(restored);
    }
    logger()->info(
        "write-ahead log replayed: the blocks of {} batches, and {} blocks for the next batch",
        batches, waiting);
  }
  for (const auto& [id, supervisor] : supervisors_) supervisor->enableWriteAheadLog(log_.get());
}

void ReceiverTracker::allocateBlocksToBatch(Time time) {
  std::lock_guard lock(mutex_);
  if (allocated_.contains(time)) return;  // recovered from the log: a batch run again
  auto& batch = allocated_[time];
  std::map<int, std::vector<std::int64_t>> ids;
  for (auto& [id, supervisor] : supervisors_) {
    auto blocks = supervisor->takeBlocks();
    std::int64_t n = 0;
    for (const auto& b : blocks) {
      n += b.numRecords;
      if (b.id >= 0) ids[id].push_back(b.id);
    }
    input_infos_[time][id] = StreamInputInfo{id, n, {}};
    batch[id] = std::move(blocks);
  }
  if (log_) log_->logAllocation(time.milliseconds(), ids, clock_.getTimeMillis());
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

void ReceiverTracker::reportInputProblems(Time time, int stream_id, const std::string& name,
                                          const std::string& problems) {
  {
    std::lock_guard lock(mutex_);
    auto it = input_problems_.find(stream_id);
    const bool had = it != input_problems_.end();
    if (problems.empty()) {
      if (!had) return;
      input_problems_.erase(it);
    } else {
      if (had && it->second == problems) return;  // the same problems: said once
      input_problems_[stream_id] = problems;
    }
  }
  // Posted outside the lock, as the receivers' events are.
  if (problems.empty()) {
    logger()->info("{} reaches all of its source again at batch {}", name, time.toString());
    bus_.post(StreamingListenerInputStreamRecovered{stream_id, name, time.milliseconds()});
  } else {
    bus_.post(StreamingListenerInputStreamError{stream_id, name, time.milliseconds(), problems});
  }
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
  if (!log_) return;
  try {
    log_->cleanUp(threshold.milliseconds(), clock_.getTimeMillis());
  } catch (const Error& e) {
    logger()->warn("cannot record the clean-up of batches up to {} in the write-ahead log: {}",
                   threshold.toString(), e.what());
  }
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
