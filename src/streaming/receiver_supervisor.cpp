#include "receiver_supervisor.hpp"

#include <algorithm>
#include <chrono>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "receiver_tracker.hpp"

namespace ember {

void ReceiverBase::restart(const std::string& message, std::exception_ptr error) {
  if (auto* supervisor = supervisor_.load())
    supervisor->requestRestart(message, describeException(error));
}

void ReceiverBase::reportError(const std::string& message, std::exception_ptr error) {
  if (auto* supervisor = supervisor_.load())
    supervisor->reportError(message, describeException(error));
}

void ReceiverBase::stop(const std::string& message, std::exception_ptr error) {
  if (auto* supervisor = supervisor_.load())
    supervisor->requestStop(message, describeException(error));
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
                                       std::shared_ptr<ReceiverBase> receiver, int stream_id)
    : tracker_(tracker),
      receiver_(std::move(receiver)),
      stream_id_(stream_id),
      max_delay_ms_(std::max<std::int64_t>(
          1, tracker.conf().getTimeAsMs("spark.streaming.receiverRestartDelay", 2000))),
      block_interval_ms_(std::max<std::int64_t>(
          1, tracker.conf().getTimeAsMs("spark.streaming.blockInterval", 200))) {
  receiver_->supervisor_ = this;
  receiver_->stream_id_ = stream_id;
}

ReceiverSupervisor::~ReceiverSupervisor() {
  stop("context stopped");
  receiver_->supervisor_.store(nullptr);
}

void ReceiverSupervisor::startReceiver() {
  tracker_.postReceiverEvent(stream_id_, receiver_->name(), "started", "", "");
  receiver_->started_.store(true);
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
  receiver_->started_.store(false);
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
  startReceiver();
  restarter_ = std::jthread([this](std::stop_token stop) { restartLoop(stop); });
  block_cutter_ = std::jthread([this](std::stop_token stop) { blockLoop(stop); });
}

void ReceiverSupervisor::stop(const std::string& message) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  restarter_.request_stop();
  block_cutter_.request_stop();
  cv_.notify_all();
  if (restarter_.joinable()) restarter_.join();
  if (block_cutter_.joinable()) block_cutter_.join();
  bool was_running = stopReceiver();
  {
    std::lock_guard lock(mutex_);
    auto last = receiver_->takeBlocks();
    cut_.insert(cut_.end(), last.begin(), last.end());
  }
  if (was_running)
    tracker_.postReceiverEvent(stream_id_, receiver_->name(), "stopped", message, "");
}

void ReceiverSupervisor::requestRestart(const std::string& message, const std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || request_ != Request::kNone) return;  // joins the pending request
    request_ = Request::kRestart;
    request_message_ = message;
    request_error_ = error;
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

void ReceiverSupervisor::restartLoop(std::stop_token stop) {
  const std::int64_t initial = std::max<std::int64_t>(1, max_delay_ms_ / 20);
  std::int64_t delay = initial;
  std::int64_t stored_at_restart = -1;
  for (;;) {
    Request request;
    std::string message;
    std::string error;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, stop, [&] { return request_ != Request::kNone; });
      if (stop.stop_requested()) return;
      request = request_;
      message = request_message_;
      error = request_error_;
    }
    const bool was_running = stopReceiver();
    if (was_running) {
      tracker_.postReceiverEvent(stream_id_, receiver_->name(), "stopped", message, error);
    }
    if (request == Request::kStop) {
      logger()->info("Receiver {} stopped: {}", stream_id_, message);
      return;  // for good: the request stays, so later restart requests are ignored
    }
    // Data arrived since the last restart: the source works again, so back off from the start.
    if (receiver_->numRecordsStored() > stored_at_restart) delay = initial;
    {
      std::unique_lock lock(mutex_);
      // Restart requests made until now came from the incarnation just stopped: this restart
      // answers them. A stop request (made while it stopped, or during the wait) ends it.
      if (request_ == Request::kRestart) request_ = Request::kNone;
      cv_.wait_for(lock, stop, std::chrono::milliseconds(delay),
                   [&] { return request_ == Request::kStop; });
      if (stop.stop_requested()) return;
      if (request_ == Request::kStop) continue;
    }
    delay = std::min(max_delay_ms_, delay * 2);
    stored_at_restart = receiver_->numRecordsStored();
    logger()->info("Starting receiver {} again", stream_id_);
    startReceiver();
  }
}

void ReceiverSupervisor::blockLoop(std::stop_token stop) {
  for (;;) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, stop, std::chrono::milliseconds(block_interval_ms_), [] { return false; });
    if (stop.stop_requested()) return;
    auto blocks = receiver_->takeBlocks();
    cut_.insert(cut_.end(), blocks.begin(), blocks.end());
  }
}

std::vector<ReceivedBlock> ReceiverSupervisor::takeBlocks() {
  std::lock_guard lock(mutex_);
  auto blocks = receiver_->takeBlocks();
  cut_.insert(cut_.end(), blocks.begin(), blocks.end());
  std::vector<ReceivedBlock> out;
  out.swap(cut_);
  return out;
}

bool ReceiverSupervisor::hasPendingBlocks() {
  std::lock_guard lock(mutex_);
  return !cut_.empty();
}

}  // namespace detail
}  // namespace ember
