#include "ember/streaming/streaming_context.hpp"

#include "ember/core/error.hpp"
#include "ember/streaming/listener_bus.hpp"

namespace ember {

namespace {
Duration checkBatchDuration(Duration d) {
  if (d.milliseconds() <= 0) {
    throw IllegalArgumentError("batchDuration must be positive, got " + d.toString());
  }
  return d;
}
}  // namespace

StreamingContext::StreamingContext(const Conf& conf, Duration batchDuration)
    : StreamingContext((checkBatchDuration(batchDuration), Engine(conf)), batchDuration) {
  owns_engine_ = true;
}

StreamingContext::StreamingContext(const std::string& master, const std::string& appName,
                                   Duration batchDuration)
    : StreamingContext(Conf().setMaster(master).setAppName(appName), batchDuration) {}

StreamingContext::StreamingContext(Engine engine, Duration batchDuration)
    : core_(std::make_unique<detail::StreamingCore>(std::move(engine),
                                                    checkBatchDuration(batchDuration))) {}

StreamingContext::~StreamingContext() {
  if (core_) {
    core_->stop(owns_engine_, false);
  }
}

void StreamingContext::start() {
  core_->start();
}

void StreamingContext::stop(bool stopSparkContext, bool stopGracefully) {
  core_->stop(stopSparkContext, stopGracefully);
}

void StreamingContext::awaitTermination() {
  core_->awaitTermination(std::nullopt);
}

bool StreamingContext::awaitTerminationOrTimeout(std::int64_t timeoutMs) {
  return core_->awaitTermination(timeoutMs);
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
