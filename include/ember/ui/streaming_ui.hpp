#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ember/ui/streaming_job_progress_listener.hpp"

namespace ember::ui {

/// Where and for whom the UI serves.
struct UiOptions {
  std::string host = "127.0.0.1";  // spark.ui.host
  int port = 4040;                 // spark.ui.port; 0: a free port the system picks
  int maxRetries = 16;             // spark.port.maxRetries: ports tried after `port`
  std::string appName;
  std::string appId;  // "local-<start ms>"
  std::int64_t appStartTime = 0;
};

/// The engine's task counts, for /metrics.
struct EngineTaskCounts {
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
};

/// The web UI of a streaming context: an HTTP server on its own threads that serves, read-only,
///   /streaming/                 the Streaming page (Spark's StreamingPage)
///   /streaming/batch?id=<ms>    one batch (Spark's BatchPage)
///   /api/v1/applications[/<appId>/streaming/...]  Spark's JSON API
///   /metrics                    the Prometheus text format
/// from what `listener` gathered. Unknown applications, batches, receivers and output
/// operations answer 404, malformed query parameters 400, both with a JSON (or HTML) error.
class StreamingUi {
 public:
  using Now = std::function<std::int64_t()>;
  using TaskCounter = std::function<EngineTaskCounts()>;

  /// Binds options.port, or the next free one up to maxRetries ports after it, and starts
  /// serving. `now` gives the context clock's time (for uptime); `tasks` the engine's task
  /// counts (none when empty). Throws IllegalArgumentError for a port outside 0-65535 or a
  /// negative maxRetries, IoError when no port could be bound.
  StreamingUi(UiOptions options, std::shared_ptr<StreamingJobProgressListener> listener, Now now,
              TaskCounter tasks = {});
  /// Stops serving.
  ~StreamingUi();
  StreamingUi(const StreamingUi&) = delete;
  StreamingUi& operator=(const StreamingUi&) = delete;

  int port() const;
  /// "http://<host>:<port>".
  std::string url() const;
  const std::shared_ptr<StreamingJobProgressListener>& listener() const;
  /// Closes the listening socket and waits for the server's threads. Idempotent; does not throw.
  void stop() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::ui
