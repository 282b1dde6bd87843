#include "ember/ui/streaming_job_progress_listener.hpp"

#include <algorithm>
#include <cctype>

#include "ember/core/error.hpp"

namespace ember::ui {

std::string toString(BatchStatus status) {
  switch (status) {
    case BatchStatus::COMPLETED:
      return "COMPLETED";
    case BatchStatus::QUEUED:
      return "QUEUED";
    case BatchStatus::PROCESSING:
      return "PROCESSING";
  }
  return "";
}

std::optional<BatchStatus> parseBatchStatus(const std::string& text) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (BatchStatus s : {BatchStatus::COMPLETED, BatchStatus::QUEUED, BatchStatus::PROCESSING}) {
    if (upper == toString(s)) return s;
  }
  return std::nullopt;
}

// ---- BatchUIData ------------------------------------------------------------------------------

int BatchUIData::numActiveOutputOp() const {
  return static_cast<int>(
      std::count_if(info.outputOperationInfos.begin(), info.outputOperationInfos.end(),
                    [](const auto& op) { return op.second.startTime && !op.second.endTime; }));
}

int BatchUIData::numCompletedOutputOp() const {
  return static_cast<int>(
      std::count_if(info.outputOperationInfos.begin(), info.outputOperationInfos.end(),
                    [](const auto& op) { return op.second.endTime && !op.second.failureReason; }));
}

int BatchUIData::numFailedOutputOp() const {
  return static_cast<int>(
      std::count_if(info.outputOperationInfos.begin(), info.outputOperationInfos.end(),
                    [](const auto& op) { return op.second.failureReason.has_value(); }));
}

std::optional<std::string> BatchUIData::firstFailureReason() const {
  for (const auto& [id, op] : info.outputOperationInfos) {
    if (op.failureReason) return op.failureReason;
  }
  return std::nullopt;
}

// ---- StreamingProgress ------------------------------------------------------------------------

int StreamingProgress::numReceivers() const {
  return static_cast<int>(
      std::count_if(inputs.begin(), inputs.end(), [](const auto& in) { return in.receiver; }));
}

int StreamingProgress::numActiveReceivers() const {
  return static_cast<int>(std::count_if(receivers.begin(), receivers.end(),
                                        [](const auto& r) { return r.second.active; }));
}

std::vector<const BatchUIData*> StreamingProgress::retainedBatches() const {
  std::vector<const BatchUIData*> all;
  for (const auto* list : {&waiting, &running, &completed}) {
    for (const auto& b : *list) all.push_back(&b);
  }
  std::sort(all.begin(), all.end(), [](const BatchUIData* a, const BatchUIData* b) {
    return a->batchTime() < b->batchTime();
  });
  return all;
}

const BatchUIData* StreamingProgress::batch(std::int64_t batchTime) const {
  for (const auto* list : {&waiting, &running, &completed}) {
    for (const auto& b : *list) {
      if (b.batchTime() == batchTime) return &b;
    }
  }
  return nullptr;
}

const BatchUIData* StreamingProgress::lastCompletedBatch() const {
  return completed.empty() ? nullptr : &completed.back();
}

const BatchUIData* StreamingProgress::lastReceivedBatch() const {
  auto all = retainedBatches();
  return all.empty() ? nullptr : all.back();
}

std::string StreamingProgress::streamName(int streamId) const {
  for (const auto& in : inputs) {
    if (in.id == streamId) return in.name;
  }
  if (auto it = receivers.find(streamId); it != receivers.end() && !it->second.name.empty()) {
    return it->second.name;
  }
  return "Stream-" + std::to_string(streamId);
}

namespace {

template <class Metric>
std::optional<std::int64_t> averageMs(const StreamingProgress& p, Metric metric) {
  std::int64_t sum = 0;
  std::int64_t n = 0;
  for (const BatchUIData* b : p.retainedBatches()) {
    if (auto v = metric(b->info)) {
      sum += *v;
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

}  // namespace

std::optional<double> StreamingProgress::avgInputRate() const {
  auto all = retainedBatches();
  if (all.empty()) return std::nullopt;
  double sum = 0;
  for (const BatchUIData* b : all) {
    sum += static_cast<double>(b->numRecords()) * 1000.0 / static_cast<double>(batchDuration);
  }
  return sum / static_cast<double>(all.size());
}

std::optional<std::int64_t> StreamingProgress::avgSchedulingDelay() const {
  return averageMs(*this, [](const BatchInfo& b) { return b.schedulingDelay(); });
}

std::optional<std::int64_t> StreamingProgress::avgProcessingTime() const {
  return averageMs(*this, [](const BatchInfo& b) { return b.processingDelay(); });
}

std::optional<std::int64_t> StreamingProgress::avgTotalDelay() const {
  return averageMs(*this, [](const BatchInfo& b) { return b.totalDelay(); });
}

std::vector<std::pair<std::int64_t, double>> StreamingProgress::recordRates(int streamId) const {
  std::vector<std::pair<std::int64_t, double>> rates;
  for (const BatchUIData* b : retainedBatches()) {
    const auto& inputs_of_batch = b->info.streamIdToInputInfo;
    auto it = inputs_of_batch.find(streamId);
    std::int64_t n = it == inputs_of_batch.end() ? 0 : it->second.numRecords;
    rates.emplace_back(b->batchTime(),
                       static_cast<double>(n) * 1000.0 / static_cast<double>(batchDuration));
  }
  return rates;
}

// ---- StreamingJobProgressListener -------------------------------------------------------------

StreamingJobProgressListener::StreamingJobProgressListener(
    std::int64_t batchDurationMs, int retainedBatches, std::vector<InputStreamDescription> inputs)
    : limit_(retainedBatches) {
  if (batchDurationMs <= 0) {
    throw IllegalArgumentError("the batch duration must be positive, got " +
                               std::to_string(batchDurationMs) + " ms");
  }
  if (retainedBatches <= 0) {
    throw IllegalArgumentError("spark.streaming.ui.retainedBatches must be positive, got " +
                               std::to_string(retainedBatches));
  }
  state_.batchDuration = batchDurationMs;
  state_.inputs = std::move(inputs);
}

void StreamingJobProgressListener::onStreamingStarted(const StreamingListenerStreamingStarted& e) {
  std::lock_guard lock(mutex_);
  state_.startTime = e.time;
}

void StreamingJobProgressListener::onReceiverStarted(const StreamingListenerReceiverStarted& e) {
  std::lock_guard lock(mutex_);
  state_.receivers[e.receiverInfo.streamId] = e.receiverInfo;
}

void StreamingJobProgressListener::onReceiverError(const StreamingListenerReceiverError& e) {
  std::lock_guard lock(mutex_);
  state_.receivers[e.receiverInfo.streamId] = e.receiverInfo;
}

void StreamingJobProgressListener::onReceiverStopped(const StreamingListenerReceiverStopped& e) {
  std::lock_guard lock(mutex_);
  state_.receivers[e.receiverInfo.streamId] = e.receiverInfo;
}

void StreamingJobProgressListener::onInputStreamError(const StreamingListenerInputStreamError& e) {
  std::lock_guard lock(mutex_);
  InputStreamProblems& p = state_.inputProblems[e.streamId];
  p.message = e.message;
  p.time = e.batchTime;
  p.current = true;
  ++p.reports;
}

void StreamingJobProgressListener::onInputStreamRecovered(
    const StreamingListenerInputStreamRecovered& e) {
  std::lock_guard lock(mutex_);
  state_.inputProblems[e.streamId].current = false;
}

void StreamingJobProgressListener::onBatchSubmitted(const StreamingListenerBatchSubmitted& e) {
  std::lock_guard lock(mutex_);
  waiting_[e.batchInfo.batchTime.milliseconds()] = {e.batchInfo, BatchStatus::QUEUED};
}

void StreamingJobProgressListener::onBatchStarted(const StreamingListenerBatchStarted& e) {
  std::lock_guard lock(mutex_);
  const std::int64_t t = e.batchInfo.batchTime.milliseconds();
  waiting_.erase(t);
  running_[t] = {e.batchInfo, BatchStatus::PROCESSING};
  state_.totalReceivedRecords += e.batchInfo.numRecords();
  for (const auto& [id, input] : e.batchInfo.streamIdToInputInfo) {
    state_.receivedRecordsByStream[id] += input.numRecords;
  }
}

void StreamingJobProgressListener::onBatchCompleted(const StreamingListenerBatchCompleted& e) {
  std::lock_guard lock(mutex_);
  const std::int64_t t = e.batchInfo.batchTime.milliseconds();
  waiting_.erase(t);
  running_.erase(t);
  completed_.push_back({e.batchInfo, BatchStatus::COMPLETED});
  if (completed_.size() > static_cast<std::size_t>(limit_)) completed_.pop_front();
  state_.totalCompletedBatches += 1;
  state_.totalProcessedRecords += e.batchInfo.numRecords();
}

void StreamingJobProgressListener::updateOutputOperation(const OutputOperationInfo& op) {
  // Output-operation events come between the batch's start and completion events.
  auto it = running_.find(op.batchTime.milliseconds());
  if (it != running_.end()) it->second.info.outputOperationInfos[op.id] = op;
}

void StreamingJobProgressListener::onOutputOperationStarted(
    const StreamingListenerOutputOperationStarted& e) {
  std::lock_guard lock(mutex_);
  updateOutputOperation(e.outputOperationInfo);
}

void StreamingJobProgressListener::onOutputOperationCompleted(
    const StreamingListenerOutputOperationCompleted& e) {
  std::lock_guard lock(mutex_);
  const OutputOperationInfo& op = e.outputOperationInfo;
  updateOutputOperation(op);
  if (auto duration = op.duration()) {
    OutputOpDurations& d = state_.outputOpDurations[op.id];
    d.name = op.name;
    if (d.bucketCounts.empty()) d.bucketCounts.assign(kDurationBucketsMs.size(), 0);
    for (std::size_t i = 0; i < kDurationBucketsMs.size(); ++i) {
      if (*duration <= kDurationBucketsMs[i]) ++d.bucketCounts[i];
    }
    ++d.count;
    d.sumMs += *duration;
  }
}

StreamingProgress StreamingJobProgressListener::snapshot() const {
  std::lock_guard lock(mutex_);
  StreamingProgress p = state_;
  for (const auto& [t, b] : waiting_) p.waiting.push_back(b);
  for (const auto& [t, b] : running_) p.running.push_back(b);
  p.completed.assign(completed_.begin(), completed_.end());
  std::stable_sort(p.completed.begin(), p.completed.end(),
                   [](const auto& a, const auto& b) { return a.batchTime() < b.batchTime(); });
  return p;
}

}  // namespace ember::ui
