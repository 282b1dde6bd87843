#include "json_api.hpp"

#include <algorithm>

#include "ui_format.hpp"

namespace ember::ui::detail {

using nlohmann::json;

namespace {

template <class T>
void putOptional(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

json batchInfoJson(const StreamingProgress& p, const BatchUIData& b) {
  json j;
  j["batchId"] = b.batchTime();
  j["batchTime"] = jsonDate(b.batchTime());
  j["status"] = toString(b.status);
  j["batchDuration"] = p.batchDuration;
  j["inputSize"] = b.numRecords();
  putOptional(j, "schedulingDelay", b.info.schedulingDelay());
  putOptional(j, "processingTime", b.info.processingDelay());
  putOptional(j, "totalDelay", b.info.totalDelay());
  j["numActiveOutputOps"] = b.numActiveOutputOp();
  j["numCompletedOutputOps"] = b.numCompletedOutputOp();
  j["numFailedOutputOps"] = b.numFailedOutputOp();
  j["numTotalOutputOps"] = b.numTotalOutputOp();
  putOptional(j, "firstFailureReason", b.firstFailureReason());
  return j;
}

json operationInfoJson(const OutputOperationInfo& op) {
  json j;
  j["outputOpId"] = op.id;
  j["name"] = op.name;
  j["description"] = op.description;
  if (op.startTime) j["startTime"] = jsonDate(*op.startTime);
  if (op.endTime) j["endTime"] = jsonDate(*op.endTime);
  putOptional(j, "duration", op.duration());
  putOptional(j, "failureReason", op.failureReason);
  j["jobIds"] = json::array();  // ember's jobs have no ids of their own
  return j;
}

json oneReceiverJson(const StreamingProgress& p, const InputStreamDescription& in) {
  json j;
  j["streamId"] = in.id;
  j["streamName"] = p.streamName(in.id);
  auto it = p.receivers.find(in.id);
  const ReceiverInfo* info = it == p.receivers.end() ? nullptr : &it->second;
  if (info) {
    j["isActive"] = info->active;
    j["executorId"] = "driver";
    j["executorHost"] = info->location;
    if (info->lastErrorTime >= 0) j["lastErrorTime"] = jsonDate(info->lastErrorTime);
    if (!info->lastErrorMessage.empty()) j["lastErrorMessage"] = info->lastErrorMessage;
    if (!info->lastError.empty()) j["lastError"] = info->lastError;
  }
  auto rates = p.recordRates(in.id);
  if (!rates.empty()) {
    double sum = 0;
    for (const auto& r : rates) sum += r.second;
    j["avgEventRate"] = sum / static_cast<double>(rates.size());
  }
  j["eventRates"] = json::array();
  for (const auto& [t, rate] : rates) j["eventRates"].push_back(json::array({t, rate}));
  return j;
}

}  // namespace

json applicationsJson(const AppInfo& app, std::int64_t now) {
  json attempt;
  attempt["startTime"] = jsonDate(app.startTime);
  attempt["endTime"] = jsonDate(-1);
  attempt["lastUpdated"] = jsonDate(now);
  attempt["duration"] = now - app.startTime;
  attempt["sparkUser"] = "";
  attempt["completed"] = false;
  attempt["startTimeEpoch"] = app.startTime;
  attempt["endTimeEpoch"] = -1;
  attempt["lastUpdatedEpoch"] = now;
  json a;
  a["id"] = app.id;
  a["name"] = app.name;
  a["attempts"] = json::array({attempt});
  return json::array({a});
}

json statisticsJson(const StreamingProgress& p) {
  json j;
  j["startTime"] = jsonDate(p.startTime);
  j["batchDuration"] = p.batchDuration;
  j["numReceivers"] = p.numReceivers();
  j["numActiveReceivers"] = p.numActiveReceivers();
  j["numInactiveReceivers"] = p.numInactiveReceivers();
  j["numTotalCompletedBatches"] = p.totalCompletedBatches;
  j["numRetainedCompletedBatches"] = p.completed.size();
  j["numActiveBatches"] = p.numUnprocessedBatches();
  j["numProcessedRecords"] = p.totalProcessedRecords;
  j["numReceivedRecords"] = p.totalReceivedRecords;
  putOptional(j, "avgInputRate", p.avgInputRate());
  putOptional(j, "avgSchedulingDelay", p.avgSchedulingDelay());
  putOptional(j, "avgProcessingTime", p.avgProcessingTime());
  putOptional(j, "avgTotalDelay", p.avgTotalDelay());
  return j;
}

json receiversJson(const StreamingProgress& p) {
  json list = json::array();
  std::vector<InputStreamDescription> inputs = p.inputs;
  std::sort(inputs.begin(), inputs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& in : inputs) list.push_back(oneReceiverJson(p, in));
  return list;
}

std::optional<json> receiverJson(const StreamingProgress& p, int streamId) {
  for (const auto& in : p.inputs) {
    if (in.id == streamId) return oneReceiverJson(p, in);
  }
  return std::nullopt;
}

json batchesJson(const StreamingProgress& p, const std::vector<BatchStatus>& statuses) {
  auto wanted = [&](BatchStatus s) {
    return statuses.empty() || std::find(statuses.begin(), statuses.end(), s) != statuses.end();
  };
  std::vector<const BatchUIData*> batches;
  for (const auto* list : {&p.completed, &p.waiting, &p.running}) {
    for (const auto& b : *list) {
      if (wanted(b.status)) batches.push_back(&b);
    }
  }
  std::stable_sort(batches.begin(), batches.end(),
                   [](const auto* a, const auto* b) { return a->batchTime() > b->batchTime(); });
  json list = json::array();
  for (const BatchUIData* b : batches) list.push_back(batchInfoJson(p, *b));
  return list;
}

std::optional<json> batchJson(const StreamingProgress& p, std::int64_t batchId) {
  const BatchUIData* b = p.batch(batchId);
  if (!b) return std::nullopt;
  return batchInfoJson(p, *b);
}

std::optional<json> operationsJson(const StreamingProgress& p, std::int64_t batchId) {
  const BatchUIData* b = p.batch(batchId);
  if (!b) return std::nullopt;
  json list = json::array();
  for (const auto& [id, op] : b->info.outputOperationInfos) list.push_back(operationInfoJson(op));
  return list;
}

std::optional<json> operationJson(const StreamingProgress& p, std::int64_t batchId,
                                  int outputOpId) {
  const BatchUIData* b = p.batch(batchId);
  if (!b) return std::nullopt;
  auto it = b->info.outputOperationInfos.find(outputOpId);
  if (it == b->info.outputOperationInfos.end()) return std::nullopt;
  return operationInfoJson(it->second);
}

}  // namespace ember::ui::detail
