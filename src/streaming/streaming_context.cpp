#include "ember/streaming/streaming_context.hpp"

#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include "active_context.hpp"
#include "checkpoint/checkpoint_metadata.hpp"
#include "dstream_graph.hpp"
#include "ember/core/engine_state.hpp"
#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "ember/ui/console_progress.hpp"
#include "ember/ui/streaming_ui.hpp"
#include "listener_bus.hpp"

namespace ember {

namespace {

// spark.streaming.stopGracefullyOnShutdown: SIGINT/SIGTERM are turned into a byte on a pipe (the
// only safe thing in a handler); a watcher thread stops the active context gracefully, then
// lets the signal end the process as it would have.
int g_signal_pipe[2] = {-1, -1};

void onShutdownSignal(int sig) {
  unsigned char byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] auto n = ::write(g_signal_pipe[1], &byte, 1);
}

void installShutdownHook() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe(g_signal_pipe) != 0) {
      logger()->error("cannot install the shutdown hook: pipe() failed");
      return;
    }
    std::thread([] {
      unsigned char sig = 0;
      while (::read(g_signal_pipe[0], &sig, 1) != 1) {
      }
      logger()->warn("signal {} received: stopping the streaming context gracefully", int(sig));
      if (StreamingContext* ssc = StreamingContext::getActive()) ssc->stop(true, true);
      ::signal(sig, SIG_DFL);
      ::raise(sig);
    }).detach();
    struct sigaction action {};
    action.sa_handler = onShutdownSignal;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
  });
}

Duration checkBatchDuration(Duration d) {
  if (d.milliseconds() <= 0) {
    throw IllegalArgumentError("batchDuration must be positive, got " + d.toString());
  }
  return d;
}

// A context that made its engine must not leave it running when the rest of its construction
// fails (an unknown clock, say): nobody else could stop it.
std::unique_ptr<detail::StreamingCore> makeOwnedCore(const Conf& conf, Duration batchDuration) {
  Engine engine(conf);
  try {
    return std::make_unique<detail::StreamingCore>(engine, batchDuration);
  } catch (...) {
    engine.stop();
    throw;
  }
}
// Spark's InputDStream.name: "FileInputDStream" with input id 0 is "File stream [0]"; a receiver
// stream is named after its receiver.
std::string inputStreamName(const std::string& kind, int id) {
  std::string name = kind;
  const std::string suffix = "InputDStream";
  if (name.size() > suffix.size() && name.ends_with(suffix)) {
    name = name.substr(0, name.size() - suffix.size()) + " stream";
  }
  return name + " [" + std::to_string(id) + "]";
}

}  // namespace

StreamingContext::StreamingContext(const Conf& conf, Duration batchDuration)
    : core_(makeOwnedCore(conf, checkBatchDuration(batchDuration))), owns_engine_(true) {}

StreamingContext::StreamingContext(const std::string& master, const std::string& appName,
                                   Duration batchDuration)
    : StreamingContext(Conf().setMaster(master).setAppName(appName), batchDuration) {}

StreamingContext::StreamingContext(Engine engine, Duration batchDuration)
    : core_(std::make_unique<detail::StreamingCore>(std::move(engine),
                                                    checkBatchDuration(batchDuration))) {}

StreamingContext::~StreamingContext() {
  stopUi();
  if (core_) {
    core_->stop(owns_engine_, false);
    detail::ActiveContext::release(this);
  }
}

void StreamingContext::start() {
  if (getState() == StreamingContextState::ACTIVE) {
    core_->start();  // only warns
    return;
  }
  core_->checkCanStart();
  detail::ActiveContext::claim(this);
  try {
    startUi();
    core_->start();
  } catch (...) {
    stopUi();
    detail::ActiveContext::release(this);
    throw;
  }
  if (conf().getBoolean("spark.streaming.stopGracefullyOnShutdown", false)) installShutdownHook();
}

void StreamingContext::stop(bool stopSparkContext, bool stopGracefully) {
  // stop(false) hands the engine over to the caller (to build another context on, say), so the
  // destructor must not stop it later.
  if (!stopSparkContext) owns_engine_ = false;
  // The UI goes first: its /metrics reads the engine's executor pool, which stopping the engine
  // frees.
  stopUi();
  core_->stop(stopSparkContext, stopGracefully);
  detail::ActiveContext::release(this);
}

std::optional<std::string> StreamingContext::uiWebUrl() const {
  if (!ui_) return std::nullopt;
  return ui_->url();
}

// Before the core starts, so the listeners see the start and the first receiver events.
void StreamingContext::startUi() {
  const Conf& c = conf();
  const std::int64_t batch_ms = batchDuration().milliseconds();
  if (c.getBoolean("spark.ui.showConsoleProgress", ui::ConsoleProgressListener::defaultEnabled())) {
    core_->listenerBus().addListener(std::make_shared<ui::ConsoleProgressListener>(batch_ms));
  }
  if (!c.getBoolean("spark.ui.enabled", true)) return;
  std::vector<ui::InputStreamDescription> inputs;
  for (const auto& [node_id, input] : core_->graph().inputs()) {
    auto node = core_->graph().node(node_id);
    const std::string kind = node ? node->name() : std::string("Input");
    inputs.push_back({input->inputStreamId(), inputStreamName(kind, input->inputStreamId()),
                      node && node->shapeKind() == "ReceiverInputDStream"});
  }
  auto listener = std::make_shared<ui::StreamingJobProgressListener>(
      batch_ms, c.getInt("spark.streaming.ui.retainedBatches", 1000), std::move(inputs));
  ui::UiOptions options;
  options.host = c.get("spark.ui.host", "127.0.0.1");
  options.port = c.getInt("spark.ui.port", 4040);
  options.maxRetries = c.getInt("spark.port.maxRetries", 16);
  options.appName = sparkContext().appName();
  options.appStartTime = clock().getTimeMillis();
  options.appId = "local-" + std::to_string(options.appStartTime);
  std::shared_ptr<detail::EngineState> engine = sparkContext().state();
  ui_ = std::make_unique<ui::StreamingUi>(
      options, listener, [this] { return clock().getTimeMillis(); },
      [engine] {
        return ui::EngineTaskCounts{engine->pool().tasksSucceeded(), engine->pool().tasksFailed()};
      });
  core_->listenerBus().addListener(listener);
  logger()->info("Streaming UI of {} at {}/streaming/", options.appName, ui_->url());
}

void StreamingContext::stopUi() noexcept {
  if (!ui_) return;
  ui_->stop();
  core_->listenerBus().removeListener(ui_->listener());
  ui_.reset();
}

StreamingContext* StreamingContext::getActive() {
  return detail::ActiveContext::get();
}

StreamingContext& StreamingContext::getActiveOrCreate(
    const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc) {
  return detail::ActiveContext::getOrCreate(creatingFunc);
}

void StreamingContext::awaitTermination() {
  core_->awaitTermination(std::nullopt);
}

bool StreamingContext::awaitTerminationOrTimeout(std::int64_t timeoutMs) {
  return core_->awaitTermination(timeoutMs);
}

void StreamingContext::checkpoint(const std::string& directory) {
  core_->setCheckpointDirectory(directory);
}

std::unique_ptr<StreamingContext> StreamingContext::getOrCreate(
    const std::string& checkpointPath,
    const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc, bool createOnError) {
  auto create = [&] {
    std::unique_ptr<StreamingContext> ssc = creatingFunc();
    if (!ssc) throw IllegalArgumentError("getOrCreate: the creating function returned null");
    return ssc;
  };
  std::optional<detail::LoadedCheckpoint> loaded;
  try {
    loaded = detail::readLatestCheckpoint(checkpointPath);
  } catch (const Error& e) {
    if (!createOnError) throw;
    logger()->warn("cannot read a checkpoint from {} ({}): creating a new context", checkpointPath,
                   e.what());
  }
  std::unique_ptr<StreamingContext> ssc = create();
  if (!loaded) return ssc;
  const detail::CheckpointMetadata& m = loaded->metadata;
  std::string refusal;
  if (m.batch_duration_ms != ssc->batchDuration().milliseconds()) {
    refusal = "it was written with a batch duration of " + std::to_string(m.batch_duration_ms) +
              " ms and the program now has " + ssc->batchDuration().toString();
  } else if (auto difference = detail::graphDifference(m.graph, ssc->core().graph().describe())) {
    refusal = "the program's streams have another shape than when it was written: " + *difference;
  }
  if (!refusal.empty()) {
    std::string message = "cannot recover from checkpoint " + loaded->path + ": " + refusal +
                          ". Use another checkpoint directory (or empty this one) to start afresh";
    if (!createOnError) throw CheckpointError(message);
    logger()->warn("{}: creating a new context", message);
    return ssc;
  }
  if (!ssc->core().checkpointDirectory()) ssc->checkpoint(checkpointPath);
  logger()->info("going on from checkpoint {} (batch {} ms)", loaded->path, m.checkpoint_time_ms);
  ssc->core().restoreFrom(std::make_unique<detail::LoadedCheckpoint>(std::move(*loaded)));
  return ssc;
}

StreamingContext& StreamingContext::getActiveOrCreate(
    const std::string& checkpointPath,
    const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc, bool createOnError) {
  return detail::ActiveContext::getOrCreate(
      [&] { return getOrCreate(checkpointPath, creatingFunc, createOnError); });
}

void StreamingContext::remember(Duration duration) {
  core_->setRememberDuration(duration);
}

void StreamingContext::addStreamingListener(std::shared_ptr<StreamingListener> listener) {
  core_->listenerBus().addListener(std::move(listener));
}

void StreamingContext::removeStreamingListener(const std::shared_ptr<StreamingListener>& listener) {
  core_->listenerBus().removeListener(listener);
}

}  // namespace ember
