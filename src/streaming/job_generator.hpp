#pragma once

#include <stop_token>
#include <thread>

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
  JobGenerator(Clock& clock, Duration batch_duration, DStreamGraph& graph, ReceiverTracker& tracker,
               JobScheduler& scheduler, ListenerBus& bus, JobScheduler::ErrorReporter report);
  ~JobGenerator();
  JobGenerator(const JobGenerator&) = delete;
  JobGenerator& operator=(const JobGenerator&) = delete;

  /// Starts the timer thread; the first batch is at `first`.
  void start(Time first);
  /// Stops the timer thread; no batch is generated afterwards. Does not throw.
  void stop();

 private:
  void run(std::stop_token stop, Time first);
  void generateJobs(Time time);

  Clock& clock_;
  Duration batch_duration_;
  DStreamGraph& graph_;
  ReceiverTracker& tracker_;
  JobScheduler& scheduler_;
  ListenerBus& bus_;
  JobScheduler::ErrorReporter report_;
  std::jthread timer_;
};

}  // namespace ember::detail
