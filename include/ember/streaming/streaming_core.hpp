#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/engine.hpp"
#include "ember/streaming/clock.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember {

enum class StreamingContextState { INITIALIZED, ACTIVE, STOPPED };

namespace detail {

class DStreamNodeBase;
class OutputNode;
class InputNodeBase;
class ListenerBus;
struct JobSet;

/// The machinery behind a StreamingContext: graph, job generator, job scheduler, receivers,
/// listener bus. What stream nodes need of it is public here; the rest is in the .cpp.
class StreamingCore {
 public:
  StreamingCore(Engine engine, Duration batch_duration);
  ~StreamingCore();
  StreamingCore(const StreamingCore&) = delete;
  StreamingCore& operator=(const StreamingCore&) = delete;

  Engine& engine() { return engine_; }
  const Conf& conf() const { return engine_.getConf(); }
  Duration batchDuration() const { return batch_duration_; }
  Clock& clock() { return *clock_; }
  ListenerBus& listenerBus() { return *bus_; }
  StreamingContextState state() const;

  /// Throws IllegalStateError unless the context is still being defined.
  void checkCanAdd() const;
  int nextNodeId();
  int addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input);
  int addOutputStream(std::shared_ptr<OutputNode> node);
  void registerReceiver(int stream_id, std::shared_ptr<ReceiverBase> receiver);
  /// The blocks a receiver input stream got for batch `time` (allocated at that batch).
  std::vector<ReceivedBlock> blocksOfBatch(int stream_id, Time time);
  void reportInputInfo(Time time, StreamInputInfo info);
  void setRememberDuration(Duration duration);

  void start();
  void stop(bool stop_engine, bool gracefully);
  /// Blocks until stopped or an error was reported; rethrows the error. Returns false on timeout.
  bool awaitTermination(std::optional<std::int64_t> timeout_ms);
  /// Blocks until every batch up to `time` was processed (or failed, or the context stopped).
  /// Returns false on timeout.
  bool awaitBatchProcessed(Time time, std::int64_t timeout_ms);
  /// The error that the first failed batch reported, if any.
  std::exception_ptr firstError() const;

  void reportError(const std::string& what, std::exception_ptr error);
  void postReceiverEvent(int stream_id, const std::string& name, const std::string& kind,
                         const std::string& message, const std::string& error);

 private:
  struct State;
  void timerLoop(std::stop_token stop, Time first);
  void generateJobs(Time time);
  void executorLoop(std::stop_token stop);
  void runJobSet(JobSet& set);
  void clearMetadata(Time time);

  Engine engine_;
  Duration batch_duration_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<ListenerBus> bus_;
  std::unique_ptr<State> state_;
};

}  // namespace detail
}  // namespace ember
