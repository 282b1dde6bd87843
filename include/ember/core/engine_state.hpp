#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "ember/core/block_store.hpp"
#include "ember/core/conf.hpp"
#include "ember/core/executor_pool.hpp"

namespace ember::detail {

/// The parsed form of a master URL. Throws IllegalArgumentError naming the URL and the accepted
/// forms when it is not local, local[n], local[*] or local[n,maxFailures].
struct MasterSpec {
  int threads = 1;
  static MasterSpec parse(const std::string& master);
};

/// Everything an engine owns: configuration, executor threads, block store, id counters.
/// Shared by the Engine handle and by every dataset built on it.
class EngineState {
 public:
  explicit EngineState(Conf conf);
  ~EngineState();
  EngineState(const EngineState&) = delete;
  EngineState& operator=(const EngineState&) = delete;

  const Conf& conf() const { return conf_; }
  const std::string& master() const { return master_; }
  const std::string& appName() const { return app_name_; }
  int numThreads() const { return threads_; }
  int defaultParallelism() const { return default_parallelism_; }
  ExecutorPool& pool() { return *pool_; }
  BlockStore& blocks() { return *blocks_; }

  int newRddId() { return next_rdd_id_.fetch_add(1); }
  int newShuffleId() { return next_shuffle_id_.fetch_add(1); }
  int newStageId() { return next_stage_id_.fetch_add(1); }

  /// Stops the executor threads and removes the block directory. Idempotent.
  void stop();
  bool isStopped() const { return stopped_.load(); }
  /// Throws IllegalStateError when the engine was stopped.
  void checkRunning() const;

 private:
  Conf conf_;
  std::string master_;
  std::string app_name_;
  int threads_;
  int default_parallelism_;
  std::unique_ptr<ExecutorPool> pool_;
  std::unique_ptr<BlockStore> blocks_;
  std::atomic<int> next_rdd_id_{0};
  std::atomic<int> next_shuffle_id_{0};
  std::atomic<int> next_stage_id_{0};
  std::atomic<bool> stopped_{false};
  std::mutex stop_mutex_;
};

/// The engine of the active context, or else a process-wide default `local[*]` engine made on
/// first use.
std::shared_ptr<EngineState> activeOrDefaultEngine();
void setActiveEngine(const std::shared_ptr<EngineState>& engine);
void clearActiveEngine(const EngineState* engine);
std::shared_ptr<EngineState> activeEngine();

}  // namespace ember::detail
