#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ember/ui/streaming_job_progress_listener.hpp"

namespace ember::ui::detail {

/// The application the UI belongs to.
struct AppInfo {
  std::string id;    // "local-<start ms>", as Spark's local application ids
  std::string name;  // spark.app.name
  std::int64_t startTime = 0;
};

/// The bodies of the JSON API (Spark's status/api/v1/streaming resources), with Spark's field
/// names; a field Spark leaves out when it is None is left out. Dates as jsonDate().
nlohmann::json applicationsJson(const AppInfo& app, std::int64_t now);
nlohmann::json statisticsJson(const StreamingProgress& p);
nlohmann::json receiversJson(const StreamingProgress& p);
/// Nothing for an input stream id the context does not have.
std::optional<nlohmann::json> receiverJson(const StreamingProgress& p, int streamId);
/// Completed, queued and processing batches whose status is in `statuses` (all when empty), by
/// decreasing batch id.
nlohmann::json batchesJson(const StreamingProgress& p, const std::vector<BatchStatus>& statuses);
/// Nothing for a batch id not retained.
std::optional<nlohmann::json> batchJson(const StreamingProgress& p, std::int64_t batchId);
std::optional<nlohmann::json> operationsJson(const StreamingProgress& p, std::int64_t batchId);
/// Nothing for a batch id not retained or an output operation the batch does not have.
std::optional<nlohmann::json> operationJson(const StreamingProgress& p, std::int64_t batchId,
                                            int outputOpId);

}  // namespace ember::ui::detail
