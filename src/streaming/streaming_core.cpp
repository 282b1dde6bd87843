#include "ember/streaming/streaming_core.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>

#include "checkpoint/checkpoint_metadata.hpp"
#include "checkpoint/checkpointer.hpp"
#include "dstream_graph.hpp"
#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "job_generator.hpp"
#include "job_scheduler.hpp"
#include "listener_bus.hpp"
#include "receiver_tracker.hpp"

namespace ember::detail {

namespace {

// How long start() waits for the first checkpoint with the write-ahead log (a synced file of a
// few kilobytes: only a failing or stalled disk takes this long).
constexpr std::int64_t kInitialCheckpointTimeoutMs = 30'000;

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

/// The context's state and its first error, for start/stop and awaitTermination.
struct StreamingCore::Lifecycle {
  mutable std::mutex mutex;
  std::condition_variable_any cv;  // state changes and errors
  StreamingContextState state = StreamingContextState::INITIALIZED;
  std::exception_ptr error;
  bool terminated = false;  // stop() finished
};

StreamingCore::StreamingCore(Engine engine, Duration batch_duration)
    : engine_(std::move(engine)), batch_duration_(batch_duration) {
  if (batch_duration.milliseconds() <= 0) {
    throw IllegalArgumentError("batchDuration must be positive, got " + batch_duration.toString());
  }
  clock_ = makeClock(engine_.getConf());
  bus_ = std::make_unique<ListenerBus>();
  graph_ = std::make_unique<DStreamGraph>();
  tracker_ = std::make_unique<ReceiverTracker>(engine_.getConf(), *clock_, *bus_, batch_duration_);
  auto report = [this](const std::string& what, std::exception_ptr error) {
    reportError(what, error);
  };
  // Backpressure is fed here, on the job thread, rather than by a listener: the new rate is in
  // force before the batch counts as processed, so tests on the manual clock see it at once.
  scheduler_ =
      std::make_unique<JobScheduler>(*clock_, *bus_, report, [this](const BatchInfo& info) {
        tracker_->onBatchCompleted(info);
        batchDone(info.batchTime);
      });
  generator_ =
      std::make_unique<JobGenerator>(*clock_, batch_duration_, *graph_, *tracker_, *scheduler_,
                                     *bus_, report, [this](Time time) { batchGenerated(time); });
  lifecycle_ = std::make_unique<Lifecycle>();
}

StreamingCore::~StreamingCore() {
  stop(false, false);
  // A context stopped from inside an output operation is destroyed while that job's thread may
  // still be finishing its batch (clearing metadata, which reads the graph and the streams'
  // state): join it before anything it reads goes away.
  generator_.reset();
  scheduler_.reset();
  checkpointer_.reset();
}

StreamingContextState StreamingCore::state() const {
  std::lock_guard lock(lifecycle_->mutex);
  return lifecycle_->state;
}

void StreamingCore::checkCanAdd() const {
  std::lock_guard lock(lifecycle_->mutex);
  if (lifecycle_->state == StreamingContextState::ACTIVE) {
    throw IllegalStateError(
        "Adding new inputs, transformations, and output operations after starting a context is "
        "not supported");
  }
  if (lifecycle_->state == StreamingContextState::STOPPED) {
    throw IllegalStateError(
        "Adding new inputs, transformations, and output operations after stopping a context is "
        "not supported");
  }
}

int StreamingCore::nextNodeId() {
  return graph_->nextNodeId();
}

void StreamingCore::adoptNode(const std::shared_ptr<DStreamNodeBase>& node) {
  graph_->adopt(node);
}

int StreamingCore::addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input) {
  checkCanAdd();
  return graph_->addInputStream(std::move(node), input);
}

int StreamingCore::addOutputStream(std::shared_ptr<OutputNode> node) {
  checkCanAdd();
  return graph_->addOutputStream(std::move(node));
}

void StreamingCore::checkReceiverConf() const {
  tracker_->checkReceiverConf();
}

void StreamingCore::registerReceiver(int stream_id, std::shared_ptr<ReceiverBase> receiver) {
  tracker_->registerReceiver(stream_id, std::move(receiver));
}

std::optional<std::int64_t> StreamingCore::latestRate(int stream_id) const {
  return tracker_->latestRate(stream_id);
}

std::optional<std::int64_t> StreamingCore::currentRateLimit(int stream_id) const {
  return tracker_->currentRateLimit(stream_id);
}

std::vector<ReceivedBlock> StreamingCore::blocksOfBatch(int stream_id, Time time) {
  return tracker_->blocksOfBatch(stream_id, time);
}

void StreamingCore::reportInputInfo(Time time, StreamInputInfo info) {
  tracker_->reportInputInfo(time, std::move(info));
}

void StreamingCore::reportInputProblems(Time time, int stream_id, const std::string& name,
                                        const std::string& problems) {
  tracker_->reportInputProblems(time, stream_id, name, problems);
}

void StreamingCore::setRememberDuration(Duration duration) {
  std::lock_guard lock(lifecycle_->mutex);
  if (lifecycle_->state != StreamingContextState::INITIALIZED) {
    throw IllegalStateError("remember() must be called before the context is started");
  }
  graph_->setRememberDuration(duration);
}

NodeStateBase* StreamingCore::nodeState(int id) const {
  const auto* states = published_states_.load(std::memory_order_acquire);
  if (states == nullptr || id < 0 || static_cast<std::size_t>(id) >= states->size()) {
    return nullptr;
  }
  return (*states)[id].get();
}

std::exception_ptr StreamingCore::firstError() const {
  std::lock_guard lock(lifecycle_->mutex);
  return lifecycle_->error;
}

void StreamingCore::reportError(const std::string& what, std::exception_ptr error) {
  logger()->error("{}: {}", what, describeException(error));
  {
    std::lock_guard lock(lifecycle_->mutex);
    if (!lifecycle_->error) lifecycle_->error = error;
  }
  lifecycle_->cv.notify_all();
}

// ---- Life cycle -------------------------------------------------------------------------------

void StreamingCore::checkCanStart() const {
  if (state() == StreamingContextState::STOPPED) {
    throw IllegalStateError(
        "StreamingContext has already been stopped: it cannot be started again");
  }
  const int concurrent_jobs = conf().getInt("spark.streaming.concurrentJobs", 1);
  if (concurrent_jobs <= 0) {
    throw IllegalArgumentError("spark.streaming.concurrentJobs must be positive, got " +
                               std::to_string(concurrent_jobs));
  }
  if (!graph_->hasOutputs()) {
    throw IllegalArgumentError("No output operations registered, so nothing to execute");
  }
}

void StreamingCore::setCheckpointDirectory(const std::string& directory) {
  if (state() != StreamingContextState::INITIALIZED) {
    throw IllegalStateError("checkpoint() must be called before the context is started");
  }
  if (directory.empty()) throw IllegalArgumentError("checkpoint: the directory must not be empty");
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw IoError("cannot create checkpoint directory " + directory + ": " + ec.message());
  checkpoint_dir_ = directory;
}

std::optional<std::string> StreamingCore::checkpointDirectory() const {
  return checkpoint_dir_;
}

void StreamingCore::restoreFrom(std::unique_ptr<LoadedCheckpoint> checkpoint) {
  if (state() != StreamingContextState::INITIALIZED) {
    throw IllegalStateError("a context can only be restored before it is started");
  }
  restore_ = std::move(checkpoint);
}

bool StreamingCore::awaitCheckpointsWritten(std::int64_t timeout_ms) {
  return !checkpointer_ || checkpointer_->drain(timeout_ms);
}

std::pair<Time, std::vector<Time>> StreamingCore::firstBatches(Time& zero) {
  const std::int64_t d = batch_duration_.milliseconds();
  if (!restore_) {
    const std::int64_t now = clock_->getTimeMillis();
    const Time first((now / d + 1) * d);
    zero = first - batch_duration_;
    return {first, {}};
  }
  const CheckpointMetadata& m = restore_->metadata;
  zero = Time(m.zero_time_ms);
  // As Spark's JobGenerator.restart: a manual clock starts where the checkpoint was taken.
  if (auto* manual = dynamic_cast<ManualClock*>(clock_.get())) {
    std::int64_t resume =
        m.checkpoint_time_ms + conf().getTimeAsMs("spark.streaming.manualClock.jump", 0);
    if (manual->getTimeMillis() < resume) manual->setTime(resume);
  }
  const std::int64_t now = clock_->getTimeMillis();
  const Time first = zero + batch_duration_ * ((now - zero.milliseconds()) / d + 1);
  std::set<Time> times;
  for (std::int64_t ms : m.pending_ms) {
    if (Time(ms) < first) times.insert(Time(ms));
  }
  std::size_t pending = times.size();
  Time from = std::max(Time(m.last_generated_ms), zero) + batch_duration_;
  for (Time t = from; t < first; t = t + batch_duration_) times.insert(t);
  logger()->info(
      "Recovering from checkpoint {}: {} batches pending at the failure, {} during down time; "
      "new batches from {}",
      restore_->path, pending, times.size() - pending, first.toString());
  return {first, std::vector<Time>(times.begin(), times.end())};
}

void StreamingCore::start() {
  if (state() == StreamingContextState::ACTIVE) {
    logger()->warn("StreamingContext has already been started");
    return;
  }
  checkCanStart();
  const bool write_ahead_log =
      conf().getBoolean("spark.streaming.receiver.writeAheadLog.enable", false);
  if (write_ahead_log && !checkpoint_dir_) {
    throw IllegalArgumentError(
        "Cannot enable receiver write-ahead log without checkpoint directory set: set it with "
        "StreamingContext::checkpoint(directory)");
  }
  if (checkpoint_dir_) {
    for (const auto& [id, input] : graph_->inputs()) {
      if (auto why = input->checkpointRefusal()) throw UnsupportedOperationError(*why);
    }
  }
  Time zero(0);
  auto [first, recovery] = firstBatches(zero);
  node_states_ = graph_->start(zero);
  published_states_.store(&node_states_, std::memory_order_release);
  if (checkpoint_dir_) {
    try {
      checkpointer_ = std::make_unique<Checkpointer>(
          *checkpoint_dir_, conf(), engine_, *graph_, zero, batch_duration_,
          [this](int id) { return nodeState(id); },
          [this](const std::string& what, std::exception_ptr error) { reportError(what, error); },
          [this](Time time) { clearReceivedData(time); });
      if (restore_) checkpointer_->restore(restore_->metadata);
      if (write_ahead_log) {
        tracker_->enableWriteAheadLog(*checkpoint_dir_, restore_ != nullptr);
        // Spark writes its first checkpoint with its first batch; a crash before it lost what
        // the receivers had stored and acknowledged, since a restart without a checkpoint
        // starts afresh and discards the log.
        if (!restore_ && !checkpointer_->writeInitial(kInitialCheckpointTimeoutMs)) {
          logger()->warn("the first checkpoint of {} is not written yet", *checkpoint_dir_);
        }
      }
    } catch (...) {
      checkpointer_.reset();
      published_states_.store(nullptr, std::memory_order_release);
      node_states_.clear();
      throw;
    }
  }
  graph_->startInputs();
  {
    std::lock_guard lock(lifecycle_->mutex);
    lifecycle_->state = StreamingContextState::ACTIVE;
  }
  scheduler_->start(conf().getInt("spark.streaming.concurrentJobs", 1));
  generator_->start(first, std::move(recovery));
  tracker_->startReceivers();
  bus_->post(StreamingListenerStreamingStarted{clock_->getTimeMillis()});
  logger()->info("StreamingContext started: first batch at {}", first.toString());
}

void StreamingCore::batchGenerated(Time time) {
  if (checkpointer_) checkpointer_->batchGenerated(time, scheduler_->pendingBatches());
}

void StreamingCore::batchDone(Time time) {
  if (checkpointer_) checkpointer_->writeDataCheckpoints(time);
  clearMetadata(time);
  if (checkpointer_) {
    checkpointer_->batchCompleted(time, [this] { return scheduler_->pendingBatches(); });
  }
}

void StreamingCore::clearMetadata(Time time) {
  graph_->clearMetadata(time);
  // With checkpoints, received data goes only once the checkpoint taken after this batch is on
  // disk (Spark's clearCheckpointData): a restart from an older checkpoint, the newest one when
  // the writer lags behind the batches, still finds every block its batches need in the log.
  if (!checkpointer_) clearReceivedData(time);
}

void StreamingCore::clearReceivedData(Time time) {
  // `time` is the oldest batch a restart may start from (the completed batch itself, unless a
  // checkpoint a restart prefers has older batches pending).
  // Receiver blocks and input records are kept as long as the longest remember duration of the
  // inputs, so windows over received data still find them.
  // With checkpoints, received data is kept back to the data checkpoint a restart would start
  // from (Spark keeps twice the checkpoint interval), so that the batches after it can be
  // computed again from the write-ahead log.
  Duration keep = graph_->maxInputRememberDuration(batch_duration_);
  if (checkpointer_) keep = std::max(keep, checkpointer_->inputRetention());
  tracker_->cleanupOldBatches(time - keep);
}

bool StreamingCore::awaitBatchProcessed(Time time, std::int64_t timeout_ms) {
  return scheduler_->awaitBatchProcessed(time, timeout_ms);
}

bool StreamingCore::awaitTermination(std::optional<std::int64_t> timeout_ms) {
  std::unique_lock lock(lifecycle_->mutex);
  auto done = [&] { return lifecycle_->terminated || lifecycle_->error != nullptr; };
  bool finished = true;
  if (timeout_ms) {
    finished = lifecycle_->cv.wait_for(lock, std::chrono::milliseconds(*timeout_ms), done);
  } else {
    lifecycle_->cv.wait(lock, done);
  }
  if (lifecycle_->error) std::rethrow_exception(lifecycle_->error);
  return finished;
}

void StreamingCore::stop(bool stop_engine, bool gracefully) {
  bool was_active = false;
  {
    std::lock_guard lock(lifecycle_->mutex);
    was_active = lifecycle_->state == StreamingContextState::ACTIVE;
    lifecycle_->state = StreamingContextState::STOPPED;
  }
  if (was_active) {
    const std::int64_t timeout_ms = conf().getTimeAsMs("spark.streaming.gracefulStopTimeout",
                                                       10 * batch_duration_.milliseconds());
    graph_->stopInputs();
    tracker_->stopReceivers("StreamingContext stopped");
    // Gracefully: received data must reach a batch, and every generated batch must finish.
    if (gracefully &&
        !scheduler_->awaitIdle(timeout_ms, [&] { return !tracker_->hasUnallocatedBlocks(); })) {
      logger()->warn("Timed out after {} ms waiting for received data to be processed", timeout_ms);
    }
    generator_->stop();
    scheduler_->stop();
    if (checkpointer_ && !checkpointer_->drain(timeout_ms)) {
      logger()->warn("Timed out after {} ms waiting for checkpoints to be written", timeout_ms);
    }
    bus_->waitUntilEmpty();
    tracker_->shutdown();
  }
  scheduler_->markTerminated();
  {
    std::lock_guard lock(lifecycle_->mutex);
    lifecycle_->terminated = true;
  }
  lifecycle_->cv.notify_all();
  if (stop_engine) engine_.stop();
  if (was_active) logger()->info("StreamingContext stopped");
}

}  // namespace ember::detail
