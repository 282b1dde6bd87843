#include "ember/streaming/streaming_core.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/streaming/dstream_graph.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "ember/streaming/listener_bus.hpp"
#include "ember/streaming/receiver_supervisor.hpp"

namespace ember::detail {

namespace {

std::mutex g_active_mutex;
StreamingCore* g_active_core = nullptr;

std::unique_ptr<Clock> makeClock(const Conf& conf) {
  std::string name = conf.get("spark.streaming.clock", "SystemClock");
  if (name == "ManualClock" || name == "org.apache.spark.util.ManualClock") {
    return std::make_unique<ManualClock>(0);
  }
  if (name == "SystemClock" || name == "org.apache.spark.util.SystemClock") {
    return std::make_unique<SystemClock>();
  }
  throw IllegalArgumentError("spark.streaming.clock = '" + name +
                             "' is not a known clock (allowed: SystemClock, ManualClock)");
}

}  // namespace

/// The jobs of one batch and what the listeners are told about it.
struct JobSet {
  Time time;
  std::vector<Job> jobs;
  BatchInfo info;
};

struct StreamingCore::State {
  mutable std::mutex mutex;
  std::condition_variable_any cv;  // state changes, processed batches, errors
  StreamingContextState state = StreamingContextState::INITIALIZED;

  DStreamGraph graph;
  int next_node_id = 0;
  std::optional<Time> zero_time;

  // Receivers and their blocks.
  std::map<int, std::unique_ptr<ReceiverSupervisor>> supervisors;
  std::map<Time, std::map<int, std::vector<ReceivedBlock>>> allocated;
  std::map<Time, std::map<int, StreamInputInfo>> input_infos;
  std::map<int, ReceiverInfo> receiver_infos;

  // Scheduling.
  std::deque<JobSet> queue;
  int jobs_running = 0;
  std::optional<Time> last_generated;
  std::set<Time> unfinished;  // generated batches not yet processed
  std::exception_ptr error;
  bool stopped = false;
  std::jthread timer;
  std::vector<std::jthread> executors;  // spark.streaming.concurrentJobs of them
};

StreamingCore::StreamingCore(Engine engine, Duration batch_duration)
    : engine_(std::move(engine)), batch_duration_(batch_duration) {
  if (batch_duration.milliseconds() <= 0) {
    throw IllegalArgumentError("batchDuration must be positive, got " + batch_duration.toString());
  }
  clock_ = makeClock(engine_.getConf());
  bus_ = std::make_unique<ListenerBus>();
  state_ = std::make_unique<State>();
}

StreamingCore::~StreamingCore() {
  stop(false, false);
}

StreamingContextState StreamingCore::state() const {
  std::lock_guard lock(state_->mutex);
  return state_->state;
}

void StreamingCore::checkCanAdd() const {
  std::lock_guard lock(state_->mutex);
  if (state_->state == StreamingContextState::ACTIVE) {
    throw IllegalStateError(
        "Adding new inputs, transformations, and output operations after starting a context is "
        "not supported");
  }
  if (state_->state == StreamingContextState::STOPPED) {
    throw IllegalStateError(
        "Adding new inputs, transformations, and output operations after stopping a context is "
        "not supported");
  }
}

int StreamingCore::nextNodeId() {
  std::lock_guard lock(state_->mutex);
  return state_->next_node_id++;
}

int StreamingCore::addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input) {
  checkCanAdd();
  return state_->graph.addInputStream(std::move(node), input);
}

int StreamingCore::addOutputStream(std::shared_ptr<OutputNode> node) {
  checkCanAdd();
  return state_->graph.addOutputStream(std::move(node));
}

void StreamingCore::registerReceiver(int stream_id, std::shared_ptr<ReceiverBase> receiver) {
  std::lock_guard lock(state_->mutex);
  state_->supervisors[stream_id] =
      std::make_unique<ReceiverSupervisor>(*this, std::move(receiver), stream_id);
}

std::vector<ReceivedBlock> StreamingCore::blocksOfBatch(int stream_id, Time time) {
  std::lock_guard lock(state_->mutex);
  auto it = state_->allocated.find(time);
  if (it == state_->allocated.end()) return {};
  auto blocks = it->second.find(stream_id);
  return blocks == it->second.end() ? std::vector<ReceivedBlock>{} : blocks->second;
}

void StreamingCore::reportInputInfo(Time time, StreamInputInfo info) {
  std::lock_guard lock(state_->mutex);
  state_->input_infos[time][info.inputStreamId] = std::move(info);
}

void StreamingCore::setRememberDuration(Duration duration) {
  std::lock_guard lock(state_->mutex);
  if (state_->state != StreamingContextState::INITIALIZED) {
    throw IllegalStateError("remember() must be called before the context is started");
  }
  state_->graph.setRememberDuration(duration);
}

std::exception_ptr StreamingCore::firstError() const {
  std::lock_guard lock(state_->mutex);
  return state_->error;
}

void StreamingCore::reportError(const std::string& what, std::exception_ptr error) {
  logger()->error("{}: {}", what, describeException(error));
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->error) state_->error = error;
  }
  state_->cv.notify_all();
}

void StreamingCore::postReceiverEvent(int stream_id, const std::string& name,
                                      const std::string& kind, const std::string& message,
                                      const std::string& error) {
  ReceiverInfo info;
  {
    // As Spark's ReceiverInfo, the last error stays with the receiver across later events.
    std::lock_guard lock(state_->mutex);
    ReceiverInfo& last = state_->receiver_infos[stream_id];
    last.streamId = stream_id;
    last.name = name;
    last.active = kind != "stopped";
    if (kind == "error" || (kind == "stopped" && !error.empty())) {
      last.lastErrorMessage = message;
      last.lastError = error;
      last.lastErrorTime = clock_->getTimeMillis();
    }
    info = last;
  }
  if (kind == "error") {
    bus_->post(StreamingListenerReceiverError{info});
  } else if (kind == "started") {
    bus_->post(StreamingListenerReceiverStarted{info});
  } else {
    bus_->post(StreamingListenerReceiverStopped{info});
  }
}

// ---- Life cycle -------------------------------------------------------------------------------

void StreamingCore::start() {
  std::unique_lock lock(state_->mutex);
  if (state_->state == StreamingContextState::ACTIVE) {
    logger()->warn("StreamingContext has already been started");
    return;
  }
  if (state_->state == StreamingContextState::STOPPED) {
    throw IllegalStateError(
        "StreamingContext has already been stopped: it cannot be started again");
  }
  const int concurrent_jobs = conf().getInt("spark.streaming.concurrentJobs", 1);
  if (concurrent_jobs <= 0) {
    throw IllegalArgumentError("spark.streaming.concurrentJobs must be positive, got " +
                               std::to_string(concurrent_jobs));
  }
  if (!state_->graph.hasOutputs()) {
    throw IllegalArgumentError("No output operations registered, so nothing to execute");
  }
  {
    std::lock_guard active(g_active_mutex);
    if (g_active_core != nullptr) {
      throw IllegalStateError(
          "Only one StreamingContext may be started in this process: stop the active one first");
    }
  }
  const std::int64_t d = batch_duration_.milliseconds();
  const std::int64_t now = clock_->getTimeMillis();
  const Time first((now / d + 1) * d);
  const Time zero = first - batch_duration_;
  lock.unlock();
  state_->graph.start(zero);
  lock.lock();
  {
    std::lock_guard active(g_active_mutex);
    g_active_core = this;
  }
  state_->zero_time = zero;
  state_->state = StreamingContextState::ACTIVE;
  std::vector<ReceiverSupervisor*> supervisors;
  for (auto& [id, supervisor] : state_->supervisors) supervisors.push_back(supervisor.get());
  for (int i = 0; i < concurrent_jobs; ++i) {
    state_->executors.emplace_back([this](std::stop_token stop) { executorLoop(stop); });
  }
  state_->timer = std::jthread([this, first](std::stop_token stop) { timerLoop(stop, first); });
  lock.unlock();
  // Receivers start outside the lock: starting posts receiver events, which take it.
  for (auto* supervisor : supervisors) supervisor->start();
  bus_->post(StreamingListenerStreamingStarted{clock_->getTimeMillis()});
  logger()->info("StreamingContext started: first batch at {}", first.toString());
}

void StreamingCore::timerLoop(std::stop_token stop, Time first) {
  for (Time next = first;; next = next + batch_duration_) {
    clock_->waitTillTime(next.milliseconds(), stop);
    if (stop.stop_requested()) return;
    generateJobs(next);
  }
}

void StreamingCore::generateJobs(Time time) {
  JobSet set;
  set.time = time;
  {
    std::lock_guard lock(state_->mutex);
    auto& batch = state_->allocated[time];
    for (auto& [id, supervisor] : state_->supervisors) {
      auto blocks = supervisor->takeBlocks();
      std::int64_t n = 0;
      for (const auto& b : blocks) n += b.numRecords;
      state_->input_infos[time][id] = StreamInputInfo{id, n, {}};
      batch[id] = std::move(blocks);
    }
  }
  try {
    set.jobs = state_->graph.generateJobs(time);
  } catch (...) {
    reportError("Error generating jobs for time " + time.toString(), std::current_exception());
    set.jobs.clear();
  }
  set.info.batchTime = time;
  set.info.submissionTime = clock_->getTimeMillis();
  {
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->input_infos.find(time); it != state_->input_infos.end()) {
      set.info.streamIdToInputInfo = it->second;
    }
    for (const auto& job : set.jobs) {
      OutputOperationInfo op;
      op.batchTime = time;
      op.id = job.outputOpId;
      op.name = job.name;
      op.description = job.name;
      set.info.outputOperationInfos[job.outputOpId] = op;
    }
    state_->last_generated = time;
    state_->unfinished.insert(time);
  }
  if (!set.jobs.empty()) bus_->post(StreamingListenerBatchSubmitted{set.info});
  {
    std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(set));
  }
  state_->cv.notify_all();
}

void StreamingCore::executorLoop(std::stop_token stop) {
  for (;;) {
    JobSet set;
    {
      std::unique_lock lock(state_->mutex);
      state_->cv.wait(lock, stop, [&] { return !state_->queue.empty(); });
      if (stop.stop_requested()) return;
      set = std::move(state_->queue.front());
      state_->queue.pop_front();
      ++state_->jobs_running;
    }
    runJobSet(set);
    {
      std::lock_guard lock(state_->mutex);
      --state_->jobs_running;
      state_->unfinished.erase(set.time);
    }
    state_->cv.notify_all();
  }
}

void StreamingCore::runJobSet(JobSet& set) {
  BatchInfo& info = set.info;
  if (!set.jobs.empty()) {
    info.processingStartTime = clock_->getTimeMillis();
    bus_->post(StreamingListenerBatchStarted{info});
    std::exception_ptr failure;
    for (auto& job : set.jobs) {
      OutputOperationInfo& op = info.outputOperationInfos[job.outputOpId];
      op.startTime = clock_->getTimeMillis();
      bus_->post(StreamingListenerOutputOperationStarted{op});
      try {
        job.run();
      } catch (...) {
        auto error = std::current_exception();
        op.failureReason = describeException(error);
        if (!failure) failure = error;
      }
      op.endTime = clock_->getTimeMillis();
      bus_->post(StreamingListenerOutputOperationCompleted{op});
    }
    info.processingEndTime = clock_->getTimeMillis();
    bus_->post(StreamingListenerBatchCompleted{info});
    if (failure) reportError("Error running job for batch " + set.time.toString(), failure);
  }
  clearMetadata(set.time);
}

void StreamingCore::clearMetadata(Time time) {
  state_->graph.clearMetadata(time);
  Duration keep = state_->graph.maxRememberDuration(batch_duration_);
  std::lock_guard lock(state_->mutex);
  // Receiver blocks and input records are kept as long as the longest remember duration of the
  // graph, so windows over received data still find them.
  Time threshold = time - keep;
  state_->allocated.erase(state_->allocated.begin(), state_->allocated.upper_bound(threshold));
  state_->input_infos.erase(state_->input_infos.begin(),
                            state_->input_infos.upper_bound(threshold));
}

bool StreamingCore::awaitBatchProcessed(Time time, std::int64_t timeout_ms) {
  std::unique_lock lock(state_->mutex);
  return state_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    bool generated = state_->last_generated && *state_->last_generated >= time;
    bool earlier_pending = !state_->unfinished.empty() && *state_->unfinished.begin() <= time;
    return (generated && !earlier_pending) || state_->stopped;
  });
}

bool StreamingCore::awaitTermination(std::optional<std::int64_t> timeout_ms) {
  std::unique_lock lock(state_->mutex);
  auto done = [&] { return state_->stopped || state_->error != nullptr; };
  bool finished = true;
  if (timeout_ms) {
    finished = state_->cv.wait_for(lock, std::chrono::milliseconds(*timeout_ms), done);
  } else {
    state_->cv.wait(lock, done);
  }
  if (state_->error) std::rethrow_exception(state_->error);
  return finished;
}

void StreamingCore::stop(bool stop_engine, bool gracefully) {
  std::unique_lock lock(state_->mutex);
  if (state_->state != StreamingContextState::ACTIVE) {
    state_->state = StreamingContextState::STOPPED;
    state_->stopped = true;
    lock.unlock();
    state_->cv.notify_all();
    if (stop_engine) engine_.stop();
    return;
  }
  state_->state = StreamingContextState::STOPPED;
  lock.unlock();

  const std::int64_t timeout_ms = engine_.getConf().getTimeAsMs(
      "spark.streaming.gracefulStopTimeout", 10 * batch_duration_.milliseconds());
  state_->graph.stopInputs();
  lock.lock();
  for (auto& [id, supervisor] : state_->supervisors) {
    lock.unlock();
    supervisor->stop("StreamingContext stopped");
    lock.lock();
  }
  if (gracefully) {
    // Received data must reach a batch, and every generated batch must finish.
    auto drained = [&] {
      for (auto& [id, supervisor] : state_->supervisors) {
        if (supervisor->hasPendingBlocks()) return false;
      }
      return state_->queue.empty() && state_->jobs_running == 0;
    };
    if (!state_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), drained)) {
      logger()->warn("Timed out after {} ms waiting for received data to be processed", timeout_ms);
    }
  }
  state_->queue.clear();
  lock.unlock();
  state_->timer.request_stop();
  if (state_->timer.joinable()) state_->timer.join();
  for (auto& executor : state_->executors) executor.request_stop();
  state_->cv.notify_all();
  for (auto& executor : state_->executors) {
    // stop() called from inside an output operation runs on an executor thread: that thread
    // ends by itself once its job returns.
    if (executor.joinable() && executor.get_id() != std::this_thread::get_id()) executor.join();
  }
  bus_->waitUntilEmpty();
  {
    std::lock_guard active(g_active_mutex);
    if (g_active_core == this) g_active_core = nullptr;
  }
  lock.lock();
  auto supervisors = std::move(state_->supervisors);
  state_->supervisors.clear();
  state_->stopped = true;
  lock.unlock();
  supervisors.clear();  // outside the lock: a supervisor's end posts a receiver event
  state_->cv.notify_all();
  if (stop_engine) engine_.stop();
  logger()->info("StreamingContext stopped");
}

}  // namespace ember::detail
