#pragma once

#include <cstdint>
#include <string>

#include "ember/ui/streaming_job_progress_listener.hpp"
#include "json_api.hpp"

namespace ember::ui::detail {

/// The engine's task counts since it started.
struct TaskCounts {
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
};

/// The /metrics body: Spark's StreamingSource gauges (MON-10) in snake_case under "streaming_"
/// (times and delays in seconds, -1 when unknown, as Spark's), records received per input
/// stream, output-operation durations as histograms, and the engine's task counts.
std::string metricsText(const StreamingProgress& p, const AppInfo& app, const TaskCounts& tasks);

}  // namespace ember::ui::detail
