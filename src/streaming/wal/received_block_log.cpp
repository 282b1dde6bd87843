#include "received_block_log.hpp"

#include <algorithm>
#include <filesystem>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/serialization.hpp"

namespace ember::detail {

namespace {

enum class EventKind : std::uint8_t { kAdded = 1, kAllocated = 2, kCleaned = 3 };

/// One line of the metadata log.
struct Event {
  EventKind kind = EventKind::kAdded;
  LoggedBlock block;         // kAdded
  std::int64_t time_ms = 0;  // kAllocated: the batch; kCleaned: threshold
  std::map<int, std::vector<std::int64_t>> allocation;  // kAllocated

  template <class Archive>
  void serialize(Archive& ar) {
    ar(kind, block, time_ms, allocation);
  }
};

}  // namespace

ReceivedBlockLog::ReceivedBlockLog(const std::string& checkpoint_directory,
                                   std::int64_t rolling_interval_ms)
    : data_root_(checkpoint_directory + "/receivedData"),
      rolling_interval_ms_(rolling_interval_ms),
      metadata_(checkpoint_directory + "/receivedBlockMetadata", rolling_interval_ms) {}

RollingLog& ReceivedBlockLog::dataLog(int stream_id) {
  std::lock_guard lock(mutex_);
  auto& log = data_[stream_id];
  if (!log) {
    log = std::make_unique<RollingLog>(data_root_ + "/" + std::to_string(stream_id),
                                       rolling_interval_ms_);
  }
  return *log;
}

LoggedBlock ReceivedBlockLog::writeBlock(int stream_id, std::int64_t block_id,
                                         std::int64_t num_records, std::string_view bytes,
                                         std::int64_t now_ms) {
  LoggedBlock block{stream_id, block_id, num_records, dataLog(stream_id).append(bytes, now_ms)};
  Event event;
  event.kind = EventKind::kAdded;
  event.block = block;
  metadata_.append(serializeToString(event), now_ms);
  return block;
}

std::string ReceivedBlockLog::readBlock(const LoggedBlock& block) const {
  std::lock_guard lock(mutex_);
  auto it = data_.find(block.stream_id);
  if (it != data_.end()) return it->second->read(block.handle);
  return RollingLog(data_root_ + "/" + std::to_string(block.stream_id), rolling_interval_ms_)
      .read(block.handle);
}

void ReceivedBlockLog::logAllocation(std::int64_t time_ms,
                                     const std::map<int, std::vector<std::int64_t>>& blocks,
                                     std::int64_t now_ms) {
  Event event;
  event.kind = EventKind::kAllocated;
  event.time_ms = time_ms;
  event.allocation = blocks;
  metadata_.append(serializeToString(event), now_ms);
}

void ReceivedBlockLog::cleanUp(std::int64_t threshold_ms, std::int64_t now_ms) {
  Event event;
  event.kind = EventKind::kCleaned;
  event.time_ms = threshold_ms;
  metadata_.append(serializeToString(event), now_ms);
  metadata_.clean(threshold_ms);
  std::lock_guard lock(mutex_);
  for (auto& [id, log] : data_) log->clean(threshold_ms);
}

ReceivedBlockLog::Recovered ReceivedBlockLog::replay() const {
  Recovered out;
  for (const std::string& bytes : metadata_.readAll()) {
    Event event;
    try {
      event = deserializeFromString<Event>(bytes);
    } catch (const SerializationError& e) {
      logger()->warn("ignoring an unreadable event of the received block log: {}", e.what());
      continue;
    }
    switch (event.kind) {
      case EventKind::kAdded:
        out.next_block_id = std::max(out.next_block_id, event.block.block_id + 1);
        out.unallocated[event.block.stream_id].push_back(event.block);
        break;
      case EventKind::kAllocated: {
        auto& batch = out.allocated[event.time_ms];
        for (const auto& [stream, ids] : event.allocation) {
          auto& pending = out.unallocated[stream];
          for (std::int64_t id : ids) {
            auto it = std::find_if(pending.begin(), pending.end(),
                                   [id](const LoggedBlock& b) { return b.block_id == id; });
            if (it == pending.end()) continue;  // its addition was cleaned up with its batch
            batch[stream].push_back(*it);
            pending.erase(it);
          }
        }
        break;
      }
      case EventKind::kCleaned:
        out.allocated.erase(out.allocated.begin(), out.allocated.upper_bound(event.time_ms));
        break;
    }
  }
  return out;
}

}  // namespace ember::detail
