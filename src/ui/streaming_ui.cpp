#include "ember/ui/streaming_ui.hpp"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "html_pages.hpp"
#include "json_api.hpp"
#include "metrics.hpp"

namespace ember::ui {

using nlohmann::json;

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kHtml = "text/html; charset=utf-8";

void sendJson(httplib::Response& res, const json& body) {
  res.status = 200;
  res.set_content(body.dump(2), kJson);
}

void sendError(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"status", status}, {"error", message}}.dump(2), kJson);
}

// A path id: digits only, in range (as Spark's {batchId: \d+}); anything else is not found.
template <class T>
std::optional<T> parseId(const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

struct StreamingUi::Impl {
  UiOptions options;
  std::shared_ptr<StreamingJobProgressListener> listener;
  Now now;
  TaskCounter tasks;
  detail::AppInfo app;
  httplib::Server server;
  int port = 0;
  std::thread thread;

  void routes();
  void streamingApi(const std::string& rest, const httplib::Request& req, httplib::Response& res);
  void batchesApi(const StreamingProgress& p, const std::vector<std::string>& parts,
                  const httplib::Request& req, httplib::Response& res);
  void bind();
};

void StreamingUi::Impl::streamingApi(const std::string& rest, const httplib::Request& req,
                                     httplib::Response& res) {
  const auto parts = splitPath(rest);
  const StreamingProgress p = listener->snapshot();
  if (parts.size() == 1 && parts[0] == "statistics")
    return sendJson(res, detail::statisticsJson(p));
  if (!parts.empty() && parts[0] == "receivers") {
    if (parts.size() == 1) return sendJson(res, detail::receiversJson(p));
    if (parts.size() == 2) {
      auto id = parseId<int>(parts[1]);
      if (auto body = id ? detail::receiverJson(p, *id) : std::nullopt) return sendJson(res, *body);
      return sendError(res, 404, "unknown receiver: " + parts[1]);
    }
  }
  if (!parts.empty() && parts[0] == "batches") return batchesApi(p, parts, req, res);
  sendError(res, 404, "unknown path: /streaming/" + rest);
}

void StreamingUi::Impl::batchesApi(const StreamingProgress& p,
                                   const std::vector<std::string>& parts,
                                   const httplib::Request& req, httplib::Response& res) {
  if (parts.size() == 1) {
    std::vector<BatchStatus> statuses;
    const std::size_t n = req.get_param_value_count("status");
    for (std::size_t i = 0; i < n; ++i) {
      const std::string value = req.get_param_value("status", i);
      auto status = parseBatchStatus(value);
      if (!status) {
        return sendError(res, 400,
                         "status = '" + value +
                             "' is not a batch status (allowed: COMPLETED, QUEUED, PROCESSING)");
      }
      statuses.push_back(*status);
    }
    return sendJson(res, detail::batchesJson(p, statuses));
  }
  auto batch = parseId<std::int64_t>(parts[1]);
  if (!batch || !p.batch(*batch)) return sendError(res, 404, "unknown batch: " + parts[1]);
  if (parts.size() == 2) return sendJson(res, *detail::batchJson(p, *batch));
  if (parts[2] == "operations" && parts.size() == 3) {
    return sendJson(res, *detail::operationsJson(p, *batch));
  }
  if (parts[2] == "operations" && parts.size() == 4) {
    auto op = parseId<int>(parts[3]);
    if (auto body = op ? detail::operationJson(p, *batch, *op) : std::nullopt) {
      return sendJson(res, *body);
    }
    return sendError(res, 404, "unknown output operation: " + parts[3]);
  }
  sendError(res, 404, "unknown path under batches/" + parts[1]);
}

void StreamingUi::Impl::routes() {
  auto redirect = [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/streaming/");
  };
  server.Get("/", redirect);
  server.Get("/streaming", redirect);
  server.Get("/streaming/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(detail::streamingPage(listener->snapshot(), app, now()), kHtml);
  });
  auto batch = [this](const httplib::Request& req, httplib::Response& res) {
    const std::string text = req.get_param_value("id");
    auto id = parseId<std::int64_t>(text);
    if (!id) {
      res.status = 400;
      res.set_content(detail::errorPage(
                          app, 400,
                          text.empty() ? "Missing id parameter"
                                       : "id = '" + text + "' is not a batch time in milliseconds"),
                      kHtml);
      return;
    }
    if (auto page = detail::batchPage(listener->snapshot(), app, *id)) {
      res.set_content(*page, kHtml);
    } else {
      res.status = 404;
      res.set_content(detail::errorPage(app, 404, "batch " + text + " does not exist"), kHtml);
    }
  };
  server.Get("/streaming/batch", batch);
  server.Get("/streaming/batch/", batch);
  auto applications = [this](const httplib::Request&, httplib::Response& res) {
    sendJson(res, detail::applicationsJson(app, now()));
  };
  server.Get("/api/v1/applications", applications);
  server.Get("/api/v1/applications/", applications);
  server.Get(R"(/api/v1/applications/([^/]+)(/.*)?)",
             [this](const httplib::Request& req, httplib::Response& res) {
               const std::string id = req.matches[1];
               const std::string rest = req.matches[2];
               if (id != app.id) return sendError(res, 404, "no such app: " + id);
               const std::string prefix = "/streaming/";
               if (rest.rfind(prefix, 0) != 0) {
                 return sendError(res, 404, "unknown path: " + rest + " (only /streaming/...)");
               }
               streamingApi(rest.substr(prefix.size()), req, res);
             });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    detail::TaskCounts counts;
    if (tasks) {
      EngineTaskCounts t = tasks();
      counts = {t.succeeded, t.failed};
    }
    res.set_content(detail::metricsText(listener->snapshot(), app, counts),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) sendError(res, res.status, "no such page: " + req.path);
  });
}

void StreamingUi::Impl::bind() {
  if (options.port < 0 || options.port > 65535) {
    throw IllegalArgumentError("spark.ui.port must be in 0-65535, got " +
                               std::to_string(options.port));
  }
  if (options.maxRetries < 0) {
    throw IllegalArgumentError("spark.port.maxRetries must not be negative, got " +
                               std::to_string(options.maxRetries));
  }
  if (options.port == 0) {
    port = server.bind_to_any_port(options.host);
    if (port > 0) return;
  } else {
    for (int i = 0; i <= options.maxRetries && options.port + i <= 65535; ++i) {
      if (server.bind_to_port(options.host, options.port + i)) {
        port = options.port + i;
        if (i > 0) {
          logger()->warn("Service 'SparkUI' could not bind on port {}. Attempting port {}.",
                         options.port, port);
        }
        return;
      }
    }
  }
  throw IoError(
      "the web UI could not bind " + options.host + " on port " + std::to_string(options.port) +
      (options.port == 0 ? std::string()
                         : " or the " + std::to_string(options.maxRetries) + " ports after it") +
      ": set spark.ui.port to a free port, or spark.ui.enabled=false");
}

StreamingUi::StreamingUi(UiOptions options, std::shared_ptr<StreamingJobProgressListener> listener,
                         Now now, TaskCounter tasks)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->listener = std::move(listener);
  impl_->now = std::move(now);
  impl_->tasks = std::move(tasks);
  impl_->app = {impl_->options.appId, impl_->options.appName, impl_->options.appStartTime};
  // A few threads are plenty for a read-only page; they must not compete with the executors.
  impl_->server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  impl_->server.set_keep_alive_timeout(2);
  impl_->server.set_read_timeout(5, 0);
  impl_->routes();
  impl_->bind();
  impl_->thread = std::thread([impl = impl_.get()] { impl->server.listen_after_bind(); });
  // httplib's stop() does nothing before the server runs: wait for it so stop() always works.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl_->server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  logger()->info("Bound SparkUI to {}, and started at {}", impl_->options.host, url());
}

StreamingUi::~StreamingUi() {
  stop();
}

int StreamingUi::port() const {
  return impl_->port;
}

std::string StreamingUi::url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
}

const std::shared_ptr<StreamingJobProgressListener>& StreamingUi::listener() const {
  return impl_->listener;
}

void StreamingUi::stop() noexcept {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace ember::ui
