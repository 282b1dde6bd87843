#include "checkpointer.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "../dstream_graph.hpp"
#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/streaming/detail/checked_file.hpp"
#include "ember/streaming/detail/node_state.hpp"

namespace ember::detail {

Checkpointer::Checkpointer(std::string directory, const Conf& conf, Engine engine,
                           DStreamGraph& graph, Time zero, Duration batch, StateOf state_of,
                           ErrorReporter report, BatchCheckpointed checkpointed)
    : directory_(std::move(directory)),
      engine_(std::move(engine)),
      graph_(graph),
      zero_(zero),
      batch_(batch),
      state_of_(std::move(state_of)),
      report_(std::move(report)),
      conf_(conf.getAll()),
      description_(graph.describe()),
      fingerprint_(graph.fingerprint()),
      writer_(directory_, report_, 10, [checkpointed = std::move(checkpointed)](std::int64_t ms) {
        if (checkpointed) checkpointed(Time(ms));
      }) {
  for (const auto& node : graph_.nodes()) {
    if (auto interval = node->effectiveCheckpointInterval()) {
      checkpointed_.emplace_back(node->id(), *interval);
    }
  }
  for (const auto& [id, input] : graph_.inputs()) input_ids_.push_back(id);
}

Duration Checkpointer::inputRetention() const {
  Duration longest(0);
  for (const auto& [id, interval] : checkpointed_) longest = std::max(longest, interval);
  return longest * 2;
}

void Checkpointer::restore(const CheckpointMetadata& metadata) {
  auto stateOf = [&](int id) {
    NodeStateBase* state = state_of_(id);
    if (state == nullptr) {
      throw CheckpointError("the checkpoint holds data of stream " + std::to_string(id) +
                            ", which the program does not build");
    }
    return state;
  };
  for (const auto& [id, bytes] : metadata.positions) {
    std::istringstream in(bytes, std::ios::binary);
    cereal::BinaryInputArchive ar(in);
    stateOf(id)->loadPosition(ar);
  }
  for (const auto& [id, refs] : metadata.data) {
    for (const auto& ref : refs) {
      stateOf(id)->readCheckpointData(Time(ref.time_ms),
                                      writer_.dataDirectory() + "/" + ref.directory, ref.partitions,
                                      engine_);
    }
  }
  std::lock_guard lock(refs_mutex_);
  refs_ = metadata.data;
  last_generated_ms_.store(metadata.last_generated_ms);
}

void Checkpointer::writeDataCheckpoints(Time time) {
  if (time <= zero_) return;
  for (const auto& [id, interval] : checkpointed_) {
    if (!(time - zero_).isMultipleOf(interval)) continue;
    NodeStateBase* state = state_of_(id);
    if (state == nullptr) continue;
    const std::string name =
        "stream-" + std::to_string(id) + "-" + std::to_string(time.milliseconds());
    const std::string directory = writer_.dataDirectory() + "/" + name;
    try {
      std::error_code ec;
      std::filesystem::create_directories(directory, ec);
      if (ec) throw IoError("cannot create " + directory + ": " + ec.message());
      std::optional<int> partitions = state->writeCheckpointData(time, directory);
      if (!partitions) continue;
      syncDirectory(directory);
      syncDirectory(writer_.dataDirectory());
      std::vector<Time> remembered = state->generatedTimes();
      std::lock_guard lock(refs_mutex_);
      auto& refs = refs_[id];
      std::erase_if(refs, [&](const DataCheckpointRef& ref) {
        return ref.time_ms == time.milliseconds() ||
               std::find(remembered.begin(), remembered.end(), Time(ref.time_ms)) ==
                   remembered.end();
      });
      refs.push_back(DataCheckpointRef{time.milliseconds(), name, *partitions});
      std::sort(refs.begin(), refs.end(),
                [](const auto& a, const auto& b) { return a.time_ms < b.time_ms; });
      logger()->debug("data checkpoint of stream {} at {} written ({} partitions)", id,
                      time.toString(), *partitions);
    } catch (...) {
      report_("Could not write the data checkpoint of stream " + std::to_string(id) + " at " +
                  time.toString(),
              std::current_exception());
    }
  }
}

CheckpointMetadata Checkpointer::snapshot(Time time, std::set<Time> pending,
                                          std::int64_t last_generated_ms) {
  CheckpointMetadata m;
  m.checkpoint_time_ms = time.milliseconds();
  m.zero_time_ms = zero_.milliseconds();
  m.batch_duration_ms = batch_.milliseconds();
  m.last_generated_ms = last_generated_ms;
  m.conf = conf_;
  m.graph = description_;
  m.fingerprint = fingerprint_;
  for (Time t : pending) m.pending_ms.push_back(t.milliseconds());
  for (int id : input_ids_) {
    NodeStateBase* state = state_of_(id);
    if (state == nullptr) continue;
    std::ostringstream out(std::ios::binary);
    {
      cereal::BinaryOutputArchive ar(out);
      state->savePosition(ar);
    }
    std::string bytes = std::move(out).str();
    if (!bytes.empty()) m.positions.emplace(id, std::move(bytes));
  }
  std::lock_guard lock(refs_mutex_);
  m.data = refs_;
  return m;
}

void Checkpointer::noteGenerated(Time time) {
  std::int64_t ms = time.milliseconds();
  std::int64_t seen = last_generated_ms_.load();
  while (seen < ms && !last_generated_ms_.compare_exchange_weak(seen, ms)) {
  }
}

bool Checkpointer::writeInitial(std::int64_t timeout_ms) {
  writer_.submit(snapshot(zero_, {}, last_generated_ms_.load()), false);
  return writer_.drain(timeout_ms);
}

void Checkpointer::batchGenerated(Time time, std::set<Time> pending) {
  // The generator's own thread, after submitting `time`: `pending` has it, and no other batch is
  // generated meanwhile.
  noteGenerated(time);
  writer_.submit(snapshot(time, std::move(pending), last_generated_ms_.load()), false);
}

void Checkpointer::batchCompleted(Time time, const std::function<std::set<Time>()>& pending) {
  // The job thread may finish a batch before the generator's thread has reported it generated.
  noteGenerated(time);
  // A batch counted here as generated was submitted before it was noted, so the pending set read
  // next has it unless it completed already.
  std::int64_t last_generated = last_generated_ms_.load();
  std::set<Time> still_pending = pending();
  still_pending.erase(time);
  writer_.submit(snapshot(time, std::move(still_pending), last_generated), true);
}

}  // namespace ember::detail
