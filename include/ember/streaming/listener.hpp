#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "ember/streaming/duration.hpp"

namespace ember {

/// What one input stream contributed to a batch.
struct StreamInputInfo {
  int inputStreamId = 0;
  std::int64_t numRecords = 0;
  std::string description;  // e.g. the files a file stream picked
};

/// One output operation of one batch (Spark's OutputOperationInfo). Times are clock milliseconds.
struct OutputOperationInfo {
  Time batchTime;
  int id = 0;
  std::string name;
  std::string description;
  std::optional<std::int64_t> startTime;
  std::optional<std::int64_t> endTime;
  std::optional<std::string> failureReason;

  std::optional<std::int64_t> duration() const {
    if (!startTime || !endTime) return std::nullopt;
    return *endTime - *startTime;
  }
};

/// One batch (Spark's BatchInfo). Delays are in milliseconds and absent until known.
struct BatchInfo {
  Time batchTime;
  std::map<int, StreamInputInfo> streamIdToInputInfo;
  std::int64_t submissionTime = 0;
  std::optional<std::int64_t> processingStartTime;
  std::optional<std::int64_t> processingEndTime;
  std::map<int, OutputOperationInfo> outputOperationInfos;

  /// From submission to the start of the first job.
  std::optional<std::int64_t> schedulingDelay() const {
    if (!processingStartTime) return std::nullopt;
    return *processingStartTime - submissionTime;
  }
  /// From the start of the first job to the end of the last.
  std::optional<std::int64_t> processingDelay() const {
    if (!processingStartTime || !processingEndTime) return std::nullopt;
    return *processingEndTime - *processingStartTime;
  }
  std::optional<std::int64_t> totalDelay() const {
    if (!processingEndTime) return std::nullopt;
    return *processingEndTime - submissionTime;
  }
  std::int64_t numRecords() const {
    std::int64_t n = 0;
    for (const auto& [id, info] : streamIdToInputInfo) n += info.numRecords;
    return n;
  }
};

/// A receiver's state as the listener sees it.
struct ReceiverInfo {
  int streamId = 0;
  std::string name;
  bool active = false;
  std::string location = "local";
  std::string lastErrorMessage;
  std::string lastError;
  std::int64_t lastErrorTime = -1;
};

struct StreamingListenerStreamingStarted {
  std::int64_t time = 0;
};
struct StreamingListenerBatchSubmitted {
  BatchInfo batchInfo;
};
struct StreamingListenerBatchStarted {
  BatchInfo batchInfo;
};
struct StreamingListenerBatchCompleted {
  BatchInfo batchInfo;
};
struct StreamingListenerOutputOperationStarted {
  OutputOperationInfo outputOperationInfo;
};
struct StreamingListenerOutputOperationCompleted {
  OutputOperationInfo outputOperationInfo;
};
struct StreamingListenerReceiverStarted {
  ReceiverInfo receiverInfo;
};
struct StreamingListenerReceiverError {
  ReceiverInfo receiverInfo;
};
struct StreamingListenerReceiverStopped {
  ReceiverInfo receiverInfo;
};
/// ember's addition to Spark's events: an input stream without a receiver (a direct Kafka
/// stream) could not reach part of its source when batch `batchTime` (ms) was generated. That
/// part of the batch is empty; the stream goes on and tries again at the next batch, as the other
/// streams do. Posted when a problem starts or changes, not at every batch.
struct StreamingListenerInputStreamError {
  int streamId = 0;
  std::string name;
  std::int64_t batchTime = 0;
  std::string message;  // what was not reached, and why; one line per problem
};
/// The first batch after an input stream's errors in which it reached all of its source.
struct StreamingListenerInputStreamRecovered {
  int streamId = 0;
  std::string name;
  std::int64_t batchTime = 0;
};

/// Receives the streaming events of a context (Spark's StreamingListener). Events arrive in order
/// on one dedicated thread, never on the thread that runs the batch; an exception a method throws
/// is logged and ignored. Override what you need.
class StreamingListener {
 public:
  virtual ~StreamingListener() = default;
  virtual void onStreamingStarted(const StreamingListenerStreamingStarted&) {}
  virtual void onReceiverStarted(const StreamingListenerReceiverStarted&) {}
  virtual void onReceiverError(const StreamingListenerReceiverError&) {}
  virtual void onReceiverStopped(const StreamingListenerReceiverStopped&) {}
  virtual void onBatchSubmitted(const StreamingListenerBatchSubmitted&) {}
  virtual void onBatchStarted(const StreamingListenerBatchStarted&) {}
  virtual void onBatchCompleted(const StreamingListenerBatchCompleted&) {}
  virtual void onOutputOperationStarted(const StreamingListenerOutputOperationStarted&) {}
  virtual void onOutputOperationCompleted(const StreamingListenerOutputOperationCompleted&) {}
  virtual void onInputStreamError(const StreamingListenerInputStreamError&) {}
  virtual void onInputStreamRecovered(const StreamingListenerInputStreamRecovered&) {}
};

}  // namespace ember
