#include "received_block_log.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/serialization.hpp"

namespace ember::detail {

namespace {

enum class EventKind : std::uint8_t { kAllocated = 2, kCleaned = 3 };

/// One record of the metadata log.
struct Event {
  EventKind kind = EventKind::kAllocated;
  std::int64_t time_ms = 0;  // kAllocated: the batch; kCleaned: the threshold
  std::map<int, std::vector<std::int64_t>> allocation;  // kAllocated

  template <class Archive>
  void serialize(Archive& ar) {
    ar(kind, time_ms, allocation);
  }
};

/// One record of a stream's data log.
struct DataRecord {
  std::int64_t block_id = 0;
  std::int64_t num_records = 0;
  std::string bytes;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(block_id, num_records, bytes);
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
  DataRecord record{block_id, num_records, std::string(bytes)};
  return LoggedBlock{stream_id, block_id, num_records,
                     dataLog(stream_id).append(serializeToString(record), now_ms)};
}

std::string ReceivedBlockLog::readBlock(const LoggedBlock& block) const {
  std::string record;
  {
    std::lock_guard lock(mutex_);
    auto it = data_.find(block.stream_id);
    record = it != data_.end() ? it->second->read(block.handle)
                               : RollingLog(data_root_ + "/" + std::to_string(block.stream_id),
                                            rolling_interval_ms_)
                                     .read(block.handle);
  }
  return deserializeFromString<DataRecord>(record).bytes;
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
  // Every block still in a data log, by stream, in the order it was written.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_root_, ec)) {
    int stream = 0;
    try {
      stream = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    RollingLog log(entry.path().string(), rolling_interval_ms_);
    for (const std::string& bytes : log.readAll()) {
      DataRecord record;
      try {
        record = deserializeFromString<DataRecord>(bytes);
      } catch (const SerializationError& e) {
        logger()->warn("ignoring an unreadable block of the write-ahead log of stream {}: {}",
                       stream, e.what());
        continue;
      }
      out.next_block_id = std::max(out.next_block_id, record.block_id + 1);
      out.unallocated[stream].push_back(RecoveredBlock{
          LoggedBlock{stream, record.block_id, record.num_records, {}}, std::move(record.bytes)});
    }
  }
  for (auto& [stream, blocks] : out.unallocated) {
    std::sort(blocks.begin(), blocks.end(), [](const RecoveredBlock& a, const RecoveredBlock& b) {
      return a.block.block_id < b.block.block_id;
    });
  }
  std::set<std::int64_t> taken;  // blocks some batch took, kept or cleaned up since
  for (const std::string& bytes : metadata_.readAll()) {
    Event event;
    try {
      event = deserializeFromString<Event>(bytes);
    } catch (const SerializationError& e) {
      logger()->warn("ignoring an unreadable event of the received block log: {}", e.what());
      continue;
    }
    if (event.kind == EventKind::kAllocated) {
      auto& batch = out.allocated[event.time_ms];
      for (const auto& [stream, ids] : event.allocation) {
        auto& pending = out.unallocated[stream];
        for (std::int64_t id : ids) {
          taken.insert(id);
          auto it = std::find_if(pending.begin(), pending.end(),
                                 [id](const RecoveredBlock& b) { return b.block.block_id == id; });
          if (it == pending.end()) continue;  // its data file was deleted with its batch
          batch[stream].push_back(std::move(*it));
          pending.erase(it);
        }
      }
    } else if (event.kind == EventKind::kCleaned) {
      out.allocated.erase(out.allocated.begin(), out.allocated.upper_bound(event.time_ms));
    }
  }
  // A block some batch took stays taken after that batch was cleaned up, even if its data file
  // was not deleted yet.
  for (auto& [stream, blocks] : out.unallocated) {
    std::erase_if(blocks,
                  [&](const RecoveredBlock& b) { return taken.contains(b.block.block_id); });
  }
  return out;
}

}  // namespace ember::detail
