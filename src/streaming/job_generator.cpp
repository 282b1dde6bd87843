#include "job_generator.hpp"

#include "dstream_graph.hpp"
#include "listener_bus.hpp"
#include "receiver_tracker.hpp"

namespace ember::detail {

JobGenerator::JobGenerator(Clock& clock, Duration batch_duration, DStreamGraph& graph,
                           ReceiverTracker& tracker, JobScheduler& scheduler, ListenerBus& bus,
                           JobScheduler::ErrorReporter report, std::function<void(Time)> generated)
    : clock_(clock),
      batch_duration_(batch_duration),
      graph_(graph),
      tracker_(tracker),
      scheduler_(scheduler),
      bus_(bus),
      report_(std::move(report)),
      generated_(std::move(generated)) {}

JobGenerator::~JobGenerator() {
  stop();
}

void JobGenerator::start(Time first, std::vector<Time> recovery) {
  timer_ = std::jthread([this, first, recovery = std::move(recovery)](std::stop_token stop) {
    run(stop, first, recovery);
  });
}

void JobGenerator::stop() {
  timer_.request_stop();
  if (timer_.joinable() && timer_.get_id() != std::this_thread::get_id()) timer_.join();
}

void JobGenerator::run(std::stop_token stop, Time first, const std::vector<Time>& recovery) {
  for (Time time : recovery) {
    if (stop.stop_requested()) return;
    generateJobs(time);
  }
  for (Time next = first;; next = next + batch_duration_) {
    clock_.waitTillTime(next.milliseconds(), stop);
    if (stop.stop_requested()) return;
    generateJobs(next);
  }
}

void JobGenerator::generateJobs(Time time) {
  JobSet set;
  set.time = time;
  try {
    tracker_.allocateBlocksToBatch(time);
    set.jobs = graph_.generateJobs(time);
  } catch (...) {
    report_("Error generating jobs for time " + time.toString(), std::current_exception());
    set.jobs.clear();
  }
  set.info.batchTime = time;
  set.info.submissionTime = clock_.getTimeMillis();
  set.info.streamIdToInputInfo = tracker_.inputInfos(time);
  for (const auto& job : set.jobs) {
    OutputOperationInfo op;
    op.batchTime = time;
    op.id = job.outputOpId;
    op.name = job.name;
    op.description = job.name;
    set.info.outputOperationInfos[job.outputOpId] = op;
  }
  if (!set.jobs.empty()) bus_.post(StreamingListenerBatchSubmitted{set.info});
  scheduler_.submit(std::move(set));
  if (generated_) generated_(time);
}

}  // namespace ember::detail
