#pragma once

#include <functional>
#include <stop_token>
#include <thread>
#include <vector>

#include "ember/streaming/clock.hpp"
#include "ember/streaming/duration.hpp"
#include "job_scheduler.hpp"

namespace ember::detail {

class DStreamGraph;
class ListenerBus;
class ReceiverTracker;

/// Makes one batch per batch interval (Spark's JobGenerator): on its own thread it waits on the
/// clock for each batch time, gives the batch the blocks received since the last one, asks the
/// graph for the output operations' jobs and submits them to the scheduler. A failure to
/// generate a batch's jobs is reported (and ends awaitTermination), never swallowed; the batch
/// is still submitted, without jobs, so that later batches and waits go on.
class JobGenerator {
 public:
  /// `generated` runs on the generator's thread after each batch was submitted (the metadata
  /// checkpoint).
  JobGenerator(Clock& clock, Duration batch_duration, DStreamGraph& graph, ReceiverTracker& tracker,
               JobScheduler& scheduler, ListenerBus& bus, JobScheduler::ErrorReporter report,
               std::function<void(Time)> generated);
  ~JobGenerator();
  JobGenerator(const JobGenerator&) = delete;
  JobGenerator& operator=(const JobGenerator&) = delete;

  /// Starts the timer thread: first the batches of `recovery` (a restart's pending and down-time
  /// batches, in time order, before `first`) at once, then one batch per interval from `first`.
  void start(Time first, std::vector<Time> recovery = {});
  /// Stops the timer thread; no batch is generated afterwards. Does not throw.
  void stop();

 private:
  void run(std::stop_token stop, Time first, const std::vector<Time>& recovery);
  void generateJobs(Time time);

  Clock& clock_;
  Duration batch_duration_;
  DStreamGraph& graph_;
  ReceiverTracker& tracker_;
  JobScheduler& scheduler_;
  ListenerBus& bus_;
  JobScheduler::ErrorReporter report_;
  std::function<void(Time)> generated_;
  std::jthread timer_;
};

}  // namespace ember::detail
