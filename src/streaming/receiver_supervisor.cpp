#include "receiver_supervisor.hpp"

#include <algorithm>
#include <chrono>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "receiver_tracker.hpp"

namespace ember {

void ReceiverBase::restart(const std::string& message) {
  restart(message, nullptr);
}

void ReceiverBase::restart(const std::string& message, std::exception_ptr error) {
  if (auto* supervisor = supervisor_.load())
    supervisor->requestRestart(message, describeException(error), std::nullopt);
}

void ReceiverBase::restart(const std::string& message, std::exception_ptr error,
                           std::int64_t delayMs) {
  if (auto* supervisor = supervisor_.load())
    supervisor->requestRestart(message, describeException(error),
                               std::max<std::int64_t>(0, delayMs));
}

void ReceiverBase::reportError(const std::string& message, std::exception_ptr error) {
  if (auto* supervisor = supervisor_.load())
    supervisor->reportError(message, describeException(error));
}

void ReceiverBase::stop(const std::string& message, std::exception_ptr error) {
  if (auto* supervisor = supervisor_.load())
    supervisor->requestStop(message, describeException(error));
}

void ReceiverBase::waitToPush() {
  auto* supervisor = supervisor_.load();
  // Only a running receiver waits: a store before start or after stop must not hang.
  if (supervisor != nullptr && isStarted()) supervisor->waitToPush();
}

void ReceiverBase::pushBlock(detail::ReceivedBlock block) {
  auto* supervisor = supervisor_.load();
  if (supervisor == nullptr) {
    throw IllegalStateError("store: receiver '" + name() +
                            "' is not part of a streaming context (pass it to receiverStream)");
  }
  supervisor->pushBlock(std::move(block));
}

std::int64_t ReceiverBase::numBlocksStored() const {
  auto* supervisor = supervisor_.load();
  return supervisor == nullptr ? 0 : supervisor->blockGenerator().numBlocksStored();
}

bool ReceiverBase::awaitBlocksStored(std::int64_t n, std::int64_t timeout_ms) const {
  auto* supervisor = supervisor_.load();
  if (supervisor == nullptr) return n <= 0;
  return supervisor->blockGenerator().awaitBlocksStored(n, timeout_ms);
}

void ReceiverBase::countStored(std::int64_t n) {
  stored_.fetch_add(n);
  if (waiters_.load() > 0) {
    std::lock_guard lock(stored_mutex_);
    stored_cv_.notify_all();
  }
}

bool ReceiverBase::awaitRecordsStored(std::int64_t n, std::int64_t timeout_ms) const {
  auto* self = const_cast<ReceiverBase*>(this);
  self->waiters_.fetch_add(1);
  std::unique_lock lock(stored_mutex_);
  bool ok = stored_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                [&] { return stored_.load() >= n; });
  self->waiters_.fetch_sub(1);
  return ok;
}

namespace detail {

ReceiverSupervisor::ReceiverSupervisor(ReceiverTracker& tracker,
                                       std::shared_ptr<ReceiverBase> receiver, int stream_id,
                                       Duration batch_interval)
    : tracker_(tracker),
      receiver_(std::move(receiver)),
      stream_id_(stream_id),
      max_delay_ms_(std::max<std::int64_t>(
          1, tracker.conf().getTimeAsMs("spark.streaming.receiverRestartDelay", 2000))),
      logging_(blocks_, *receiver_, stream_id, tracker.clock()),
      generator_(
          tracker.conf(), tracker.clock(), logging_,
          [r = receiver_.get()] { return r->cutBlock(); },
          [this](const std::string& message, std::exception_ptr error) {
            reportError(message, describeException(error));
          }) {
  if (tracker.conf().getBoolean("spark.streaming.backpressure.enabled", false)) {
    rate_controller_ = std::make_unique<RateController>(
        stream_id, makeRateEstimator(tracker.conf(), batch_interval), generator_.rateLimiter());
  }
  receiver_->supervisor_ = this;
  receiver_->stream_id_ = stream_id;
}

ReceiverSupervisor::~ReceiverSupervisor() {
  stop("context stopped");
  receiver_->supervisor_.store(nullptr);
}

void ReceiverSupervisor::startReceiver() {
  {
    std::lock_guard lock(mutex_);
    incarnation_ = std::stop_source();
  }
  if (auto where = receiver_->preferredLocation()) {
    logger()->info("Receiver {} prefers {}; it runs in this process", stream_id_, *where);
  }
  tracker_.postReceiverEvent(stream_id_, receiver_->name(), "started", "", "");
  receiver_->state_.store(ReceiverBase::State::kStarted);
  running_ = true;
  try {
    receiver_->onStart();
  } catch (...) {
    std::string error = describeException(std::current_exception());
    logger()->error("Receiver {} ({}) failed to start: {}", stream_id_, receiver_->name(), error);
    requestStop("Error starting receiver " + std::to_string(stream_id_), error);
  }
}

bool ReceiverSupervisor::stopReceiver() {
  if (!running_) return false;
  running_ = false;
  receiver_->state_.store(ReceiverBase::State::kStopped);
  {
    std::lock_guard lock(mutex_);
    incarnation_.request_stop();
  }
  try {
    receiver_->onStop();
  } catch (const std::exception& e) {
    logger()->error("receiver {} threw while stopping: {}", stream_id_, e.what());
  } catch (...) {
    logger()->error("receiver {} threw while stopping", stream_id_);
  }
  return true;
}

void ReceiverSupervisor::start() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
  }
  generator_.start();
  startReceiver();
  restarter_ = std::jthread([this](std::stop_token stop) { restartLoop(stop); });
}

void ReceiverSupervisor::stop(const std::string& message) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  restarter_.request_stop();
  cv_.notify_all();
  if (restarter_.joinable()) restarter_.join();
  bool was_running = stopReceiver();
  generator_.stop();  // after the receiver: its last records are flushed to the handler
  if (was_running)
    tracker_.postReceiverEvent(stream_id_, receiver_->name(), "stopped", message, "");
}

void ReceiverSupervisor::requestRestart(const std::string& message, const std::string& error,
                                        std::optional<std::int64_t> delay_ms) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || request_ != Request::kNone) return;  // joins the pending request
    request_ = Request::kRestart;
    request_message_ = message;
    request_error_ = error;
    request_delay_ms_ = delay_ms;
  }
  logger()->warn("Restarting receiver {} ({}): {}{}", stream_id_, receiver_->name(), message,
                 error.empty() ? "" : ": " + error);
  tracker_.postReceiverEvent(stream_id_, receiver_->name(), "error", message, error);
  cv_.notify_all();
}

void ReceiverSupervisor::requestStop(const std::string& message, const std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || request_ == Request::kStop) return;
    request_ = Request::kStop;
    request_message_ = message;
    request_error_ = error;
  }
  logger()->warn("Stopping receiver {} ({}): {}{}", stream_id_, receiver_->name(), message,
                 error.empty() ? "" : ": " + error);
  if (!error.empty())
    tracker_.postReceiverEvent(stream_id_, receiver_->name(), "error", message, error);
  cv_.notify_all();
}

void ReceiverSupervisor::reportError(const std::string& message, const std::string& error) {
  logger()->warn("Receiver {} ({}) reported an error: {}{}", stream_id_, receiver_->name(), message,
                 error.empty() ? "" : ": " + error);
  tracker_.postReceiverEvent(stream_id_, receiver_->name(), "error", message, error);
}

bool ReceiverSupervisor::waitBeforeRestart(std::stop_token& stop, std::int64_t delay_ms) {
  std::unique_lock lock(mutex_);
  // Restart requests made until now came from the incarnation just stopped: this restart
  // answers them. A stop request (made while it stopped, or during the wait) ends it.
  if (request_ == Request::kRestart) {
    request_ = Request::kNone;
    request_delay_ms_.reset();
  }
  cv_.wait_for(lock, stop, std::chrono::milliseconds(delay_ms),
               [&] { return request_ == Request::kStop; });
  return !stop.stop_requested() && request_ != Request::kStop;
}

void ReceiverSupervisor::restartLoop(std::stop_token stop) {
  const std::int64_t initial = std::max<std::int64_t>(1, max_delay_ms_ / 20);
  std::int64_t backoff = initial;
  std::int64_t stored_at_restart = -1;
  for (;;) {
    Request request;
    std::string message;
    std::string error;
    std::optional<std::int64_t> delay;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, stop, [&] { return request_ != Request::kNone; });
      if (stop.stop_requested()) return;
      request = request_;
      message = request_message_;
      error = request_error_;
      delay = request_delay_ms_;
    }
    if (stopReceiver()) {
      tracker_.postReceiverEvent(stream_id_, receiver_->name(), "stopped", message, error);
    }
    if (request == Request::kStop) {
      logger()->info("Receiver {} stopped: {}", stream_id_, message);
      return;  // for good: the request stays, so later restart requests are ignored
    }
    // Data arrived since the last restart: the source works again, so back off from the start.
    if (receiver_->numRecordsStored() > stored_at_restart) backoff = initial;
    if (!waitBeforeRestart(stop, delay.value_or(backoff))) {
      if (stop.stop_requested()) return;
      continue;  // a stop request: the next round carries it out
    }
    if (!delay) backoff = std::min(max_delay_ms_, backoff * 2);
    stored_at_restart = receiver_->numRecordsStored();
    logger()->info("Starting receiver {} again", stream_id_);
    startReceiver();
  }
}

void ReceiverSupervisor::waitToPush() {
  if (generator_.canPushNow()) return;
  std::stop_token token;
  {
    std::lock_guard lock(mutex_);
    token = incarnation_.get_token();
  }
  generator_.waitToPush(token);
}

void ReceiverSupervisor::pushBlock(ReceivedBlock block) {
  generator_.flush(std::move(block));
}

std::vector<ReceivedBlock> ReceiverSupervisor::takeBlocks() {
  generator_.flush();
  return blocks_.takeAll();
}

bool ReceiverSupervisor::hasPendingBlocks() {
  return !blocks_.empty() || generator_.hasQueuedBlocks();
}

void ReceiverSupervisor::onBatchCompleted(const BatchInfo& info) {
  if (rate_controller_) rate_controller_->onBatchCompleted(info);
}

}  // namespace detail
}  // namespace ember
