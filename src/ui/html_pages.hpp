#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ember/ui/streaming_job_progress_listener.hpp"
#include "json_api.hpp"

namespace ember::ui::detail {

/// The Streaming page (Spark's StreamingPage): summary line, the statistics table with a timeline
/// and a histogram per row, the per-stream rows, and the running, waiting and completed batch
/// tables. `now` is the context clock's time; the page reloads itself every few seconds.
std::string streamingPage(const StreamingProgress& p, const AppInfo& app, std::int64_t now);
/// The page of one batch (Spark's BatchPage); nothing when the batch is not retained.
std::optional<std::string> batchPage(const StreamingProgress& p, const AppInfo& app,
                                     std::int64_t batchTime);
/// A small page for an error status (400, 404) with the message escaped.
std::string errorPage(const AppInfo& app, int status, const std::string& message);
/// The frame around every page: head (viewport for phones, styles), header with the app name.
std::string pageShell(const AppInfo& app, const std::string& title, const std::string& body,
                      bool refresh);

}  // namespace ember::ui::detail
