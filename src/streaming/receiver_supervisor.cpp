#include "ember/streaming/receiver_supervisor.hpp"

#include <algorithm>
#include <chrono>

#include "ember/core/logging.hpp"
#include "ember/streaming/streaming_core.hpp"

namespace ember {

namespace {
std::string describe(std::exception_ptr error) {
  if (!error) return {};
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}
}  // namespace

void ReceiverBase::restart(const std::string& message, std::exception_ptr error) {
  if (supervisor_ != nullptr) supervisor_->requestRestart(message, describe(error));
}

void ReceiverBase::reportError(const std::string& message, std::exception_ptr error) {
  if (supervisor_ != nullptr) supervisor_->reportError(message, describe(error));
}

void ReceiverBase::stop(const std::string& message) {
  if (supervisor_ != nullptr) supervisor_->stop(message);
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

ReceiverSupervisor::ReceiverSupervisor(StreamingCore& core, std::shared_ptr<ReceiverBase> receiver,
                                       int stream_id)
    : core_(core),
      receiver_(std::move(receiver)),
      stream_id_(stream_id),
      max_delay_ms_(std::max<std::int64_t>(
          1, core.conf().getTimeAsMs("spark.streaming.receiverRestartDelay", 2000))),
      block_interval_ms_(std::max<std::int64_t>(
          1, core.conf().getTimeAsMs("spark.streaming.blockInterval", 200))) {
  receiver_->supervisor_ = this;
  receiver_->stream_id_ = stream_id;
}

ReceiverSupervisor::~ReceiverSupervisor() {
  stop("context stopped");
  receiver_->supervisor_ = nullptr;
}

void ReceiverSupervisor::startReceiver() {
  receiver_->started_.store(true);
  try {
    receiver_->onStart();
  } catch (const std::exception& e) {
    requestRestart("error starting receiver", e.what());
  }
}

void ReceiverSupervisor::stopReceiver() {
  receiver_->started_.store(false);
  try {
    receiver_->onStop();
  } catch (const std::exception& e) {
    logger()->error("receiver {} threw while stopping: {}", stream_id_, e.what());
  }
}

void ReceiverSupervisor::start() {
  startReceiver();
  core_.postReceiverEvent(stream_id_, receiver_->name(), "started", "", "");
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
  if (restarter_.joinable() && restarter_.get_id() != std::this_thread::get_id()) {
    restarter_.join();
  }
  if (block_cutter_.joinable()) block_cutter_.join();
  stopReceiver();
  {
    std::lock_guard lock(mutex_);
    auto last = receiver_->takeBlocks();
    cut_.insert(cut_.end(), last.begin(), last.end());
  }
  core_.postReceiverEvent(stream_id_, receiver_->name(), "stopped", message, "");
}

void ReceiverSupervisor::requestRestart(const std::string& message, const std::string& error) {
  logger()->warn("Restarting receiver {} ({}): {}{}", stream_id_, receiver_->name(), message,
                 error.empty() ? "" : ": " + error);
  core_.postReceiverEvent(stream_id_, receiver_->name(), "error", message, error);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    restart_requested_ = true;
  }
  cv_.notify_all();
}

void ReceiverSupervisor::reportError(const std::string& message, const std::string& error) {
  logger()->warn("Receiver {} ({}) reported an error: {}{}", stream_id_, receiver_->name(), message,
                 error.empty() ? "" : ": " + error);
  core_.postReceiverEvent(stream_id_, receiver_->name(), "error", message, error);
}

void ReceiverSupervisor::restartLoop(std::stop_token stop) {
  const std::int64_t initial = std::max<std::int64_t>(1, max_delay_ms_ / 20);
  std::int64_t delay = initial;
  std::int64_t stored_at_restart = -1;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, stop, [&] { return restart_requested_; });
      if (stop.stop_requested()) return;
      restart_requested_ = false;
    }
    // Data arrived since the last restart: the source works again, so back off from the start.
    if (receiver_->numRecordsStored() > stored_at_restart) delay = initial;
    stopReceiver();
    {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, stop, std::chrono::milliseconds(delay), [] { return false; });
      if (stop.stop_requested()) return;
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
