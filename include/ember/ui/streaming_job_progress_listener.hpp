#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ember/streaming/listener.hpp"

namespace ember::ui {

/// An input stream of the context as the UI names it.
struct InputStreamDescription {
  int id = 0;
  std::string name;  // Spark's InputDStream.name: "Socket stream [0]"
  bool receiver = false;
};

/// Where a batch is (Spark's BatchStatus, as the JSON API spells it).
enum class BatchStatus { COMPLETED, QUEUED, PROCESSING };
std::string toString(BatchStatus status);
/// "COMPLETED", "QUEUED" or "PROCESSING", case-insensitively; nothing for anything else.
std::optional<BatchStatus> parseBatchStatus(const std::string& text);

/// One batch as the UI shows it (Spark's BatchUIData): its BatchInfo with the output operations
/// brought up to date by the output-operation events.
struct BatchUIData {
  BatchInfo info;
  BatchStatus status = BatchStatus::QUEUED;

  std::int64_t batchTime() const { return info.batchTime.milliseconds(); }
  std::int64_t numRecords() const { return info.numRecords(); }
  int numActiveOutputOp() const;
  int numCompletedOutputOp() const;
  int numFailedOutputOp() const;
  int numTotalOutputOp() const { return static_cast<int>(info.outputOperationInfos.size()); }
  /// The failure reason of the first failed output operation, by id.
  std::optional<std::string> firstFailureReason() const;
};

/// Cumulative counts of one output operation's durations, for the metrics' histograms.
struct OutputOpDurations {
  std::string name;
  std::vector<std::uint64_t> bucketCounts;  // one per kDurationBucketsMs, cumulative
  std::uint64_t count = 0;
  std::int64_t sumMs = 0;
};

/// Upper bounds (milliseconds) of the output-operation duration histograms; +Inf is implied.
inline const std::vector<std::int64_t> kDurationBucketsMs = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

/// What a receiver-less input stream last could not reach (onInputStreamError).
struct InputStreamProblems {
  std::string message;
  std::int64_t time = -1;    // the batch time it was reported at (ms)
  bool current = false;      // no batch reached all of the source since
  std::int64_t reports = 0;  // errors reported since start (a problem that starts or changes)
};

/// Everything the UI shows, copied under one lock, so a page or a JSON answer is consistent.
struct StreamingProgress {
  std::int64_t startTime = -1;  // clock ms of onStreamingStarted; -1 before
  std::int64_t batchDuration = 0;
  std::vector<InputStreamDescription> inputs;
  std::map<int, ReceiverInfo> receivers;             // by stream id, as last reported
  std::map<int, InputStreamProblems> inputProblems;  // receiver-less streams', by stream id
  std::vector<BatchUIData> waiting;                  // by batch time
  std::vector<BatchUIData> running;                  // by batch time
  std::vector<BatchUIData> completed;                // retained, by batch time
  std::int64_t totalCompletedBatches = 0;
  std::int64_t totalReceivedRecords = 0;
  std::int64_t totalProcessedRecords = 0;
  std::map<int, std::int64_t> receivedRecordsByStream;  // since start
  std::map<int, OutputOpDurations> outputOpDurations;   // by output op id, since start

  int numReceivers() const;  // receiver input streams
  int numActiveReceivers() const;
  int numInactiveReceivers() const { return numReceivers() - numActiveReceivers(); }
  std::int64_t numUnprocessedBatches() const {
    return static_cast<std::int64_t>(waiting.size() + running.size());
  }
  /// Waiting, running and completed batches, by batch time (Spark's retainedBatches).
  std::vector<const BatchUIData*> retainedBatches() const;
  /// The batch with that time in any of the three lists, or nullptr.
  const BatchUIData* batch(std::int64_t batchTime) const;
  const BatchUIData* lastCompletedBatch() const;
  const BatchUIData* lastReceivedBatch() const;
  std::string streamName(int streamId) const;

  /// Averages over the retained batches, as Spark's Streaming page and statistics resource
  /// compute them: records per second, and whole milliseconds (integer division). Nothing when
  /// no batch has the figure.
  std::optional<double> avgInputRate() const;
  std::optional<std::int64_t> avgSchedulingDelay() const;
  std::optional<std::int64_t> avgProcessingTime() const;
  std::optional<std::int64_t> avgTotalDelay() const;
  /// (batch time, records per second) of each retained batch for one input stream.
  std::vector<std::pair<std::int64_t, double>> recordRates(int streamId) const;
};

/// The listener behind the Streaming page, the JSON API and the metrics (Spark's
/// StreamingJobProgressListener): batches waiting, running and completed (the last
/// `retainedBatches` of them), totals of batches and records, the receivers' last states.
/// Events come from the listener bus's thread; snapshot() may be called from any thread.
class StreamingJobProgressListener : public StreamingListener {
 public:
  /// Throws IllegalArgumentError when batchDurationMs or retainedBatches is not positive.
  StreamingJobProgressListener(std::int64_t batchDurationMs, int retainedBatches,
                               std::vector<InputStreamDescription> inputs);

  void onStreamingStarted(const StreamingListenerStreamingStarted& e) override;
  void onReceiverStarted(const StreamingListenerReceiverStarted& e) override;
  void onReceiverError(const StreamingListenerReceiverError& e) override;
  void onReceiverStopped(const StreamingListenerReceiverStopped& e) override;
  void onInputStreamError(const StreamingListenerInputStreamError& e) override;
  void onInputStreamRecovered(const StreamingListenerInputStreamRecovered& e) override;
  void onBatchSubmitted(const StreamingListenerBatchSubmitted& e) override;
  void onBatchStarted(const StreamingListenerBatchStarted& e) override;
  void onBatchCompleted(const StreamingListenerBatchCompleted& e) override;
  void onOutputOperationStarted(const StreamingListenerOutputOperationStarted& e) override;
  void onOutputOperationCompleted(const StreamingListenerOutputOperationCompleted& e) override;

  StreamingProgress snapshot() const;
  int retainedBatchesLimit() const { return limit_; }

 private:
  void updateOutputOperation(const OutputOperationInfo& op);

  mutable std::mutex mutex_;
  int limit_;
  StreamingProgress state_;  // waiting/running kept by time in the maps below
  std::map<std::int64_t, BatchUIData> waiting_;
  std::map<std::int64_t, BatchUIData> running_;
  std::deque<BatchUIData> completed_;
};

}  // namespace ember::ui
