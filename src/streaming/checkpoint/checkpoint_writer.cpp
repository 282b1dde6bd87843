#include "checkpoint_writer.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <utility>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/streaming/detail/checked_file.hpp"

namespace ember::detail {

namespace {

constexpr int kAttempts = 3;  // Spark's CheckpointWriter.MAX_ATTEMPTS

std::set<std::string> refsOf(const CheckpointMetadata& metadata) {
  std::set<std::string> refs;
  for (const auto& [id, list] : metadata.data) {
    for (const auto& ref : list) refs.insert(ref.directory);
  }
  return refs;
}

std::int64_t oldestBatchOf(const CheckpointMetadata& metadata) {
  std::int64_t oldest = metadata.checkpoint_time_ms;
  for (std::int64_t ms : metadata.pending_ms) oldest = std::min(oldest, ms);
  return oldest;
}

/// (stream id, batch time) of a data checkpoint directory name "stream-<id>-<ms>".
std::optional<std::pair<int, std::int64_t>> parseDataName(const std::string& name) {
  if (!name.starts_with("stream-")) return std::nullopt;
  auto dash = name.find('-', 7);
  if (dash == std::string::npos) return std::nullopt;
  try {
    return std::make_pair(std::stoi(name.substr(7, dash - 7)), std::stoll(name.substr(dash + 1)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

CheckpointWriter::CheckpointWriter(std::string directory, ErrorReporter report,
                                   std::size_t retained, CompletedWritten completed_written)
    : directory_(std::move(directory)),
      data_directory_(directory_ + "/data"),
      report_(std::move(report)),
      retained_(retained),
      completed_written_(std::move(completed_written)) {
  std::error_code ec;
  std::filesystem::create_directories(data_directory_, ec);
  if (ec) {
    throw IoError("cannot create checkpoint data directory " + data_directory_ + ": " +
                  ec.message());
  }
  // Temporary files of writes a crash cut short: never renamed into place, never read.
  std::vector<std::filesystem::path> torn;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(".checkpoint-") && name.find(".tmp-") != std::string::npos) {
      torn.push_back(entry.path());
    }
  }
  for (const auto& path : torn) std::filesystem::remove(path, ec);
  for (const auto& path : checkpointFiles(directory_)) {
    try {
      auto metadata =
          CheckpointMetadata::decode(readCheckedFile(path, CheckedFileKind::kMetadata), path);
      const bool completed = std::filesystem::path(path).filename() ==
                             checkpointFileName(metadata.checkpoint_time_ms, true);
      kept_[path] =
          Kept{metadata.checkpoint_time_ms, completed, oldestBatchOf(metadata), refsOf(metadata)};
    } catch (const Error&) {
      // Unreadable: refers to nothing we could keep for it, and a restart skips it.
      kept_[path] = Kept{0, false, std::numeric_limits<std::int64_t>::max(), {}};
    }
  }
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

CheckpointWriter::~CheckpointWriter() {
  thread_.request_stop();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CheckpointWriter::submit(CheckpointMetadata metadata, bool completed) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Pending{std::move(metadata), completed});
  }
  cv_.notify_all();
}

bool CheckpointWriter::drain(std::int64_t timeout_ms) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return queue_.empty() && !writing_; });
}

void CheckpointWriter::run(std::stop_token stop) {
  for (;;) {
    Pending pending;
    {
      std::unique_lock lock(mutex_);
      // Queued checkpoints are written even when stopping: stop() drains first.
      cv_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) return;
      pending = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
    }
    write(pending);
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
    }
    cv_.notify_all();
  }
}

void CheckpointWriter::write(const Pending& pending) {
  const auto& metadata = pending.metadata;
  std::string path =
      directory_ + "/" + checkpointFileName(metadata.checkpoint_time_ms, pending.completed);
  std::string payload = metadata.encode();
  std::exception_ptr last;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    try {
      writeCheckedFile(path, CheckedFileKind::kMetadata, payload);
      last = nullptr;
      break;
    } catch (...) {
      last = std::current_exception();
      logger()->warn("attempt {} of {} to write checkpoint {} failed: {}", attempt, kAttempts, path,
                     describeException(last));
    }
  }
  if (last) {
    report_("Could not write checkpoint for time " + std::to_string(metadata.checkpoint_time_ms) +
                " ms to " + path,
            last);
    return;
  }
  logger()->debug("checkpoint for time {} ms written to {}", metadata.checkpoint_time_ms, path);
  kept_[path] = Kept{metadata.checkpoint_time_ms, pending.completed, oldestBatchOf(metadata),
                     refsOf(metadata)};
  // Before cleanUp(), which deletes this very file when a backlog left `retained_` newer ones.
  const std::int64_t oldest = oldestRestartBatch(path);
  cleanUp();
  if (pending.completed && completed_written_) {
    try {
      completed_written_(oldest);
    } catch (...) {
      logger()->warn("cleaning up after checkpoint {} failed: {}", path,
                     describeException(std::current_exception()));
    }
  }
}

std::int64_t CheckpointWriter::oldestRestartBatch(const std::string& path) const {
  const Kept& written = kept_.at(path);
  std::int64_t oldest = written.oldest_batch_ms;
  // A restart reads the newest file first by (batch time, completed): any file after this one in
  // that order is read before it, whenever it was written.
  for (const auto& [file, kept] : kept_) {
    if (std::pair(kept.time_ms, kept.completed) > std::pair(written.time_ms, written.completed)) {
      oldest = std::min(oldest, kept.oldest_batch_ms);
    }
  }
  return oldest;
}

void CheckpointWriter::cleanUp() {
  std::vector<std::string> files;
  try {
    files = checkpointFiles(directory_);
  } catch (const Error& e) {
    logger()->warn("cannot clean up checkpoint directory: {}", e.what());
    return;
  }
  bool removed = false;
  for (std::size_t i = retained_; i < files.size(); ++i) {
    std::error_code ec;
    std::filesystem::remove(files[i], ec);
    if (ec) logger()->warn("cannot delete old checkpoint {}: {}", files[i], ec.message());
    kept_.erase(files[i]);
    removed = true;
  }
  // Data checkpoints: kept while a kept metadata file refers to them, and when newer than every
  // one referred to (written for a checkpoint still on its way).
  std::set<std::string> referred;
  std::map<int, std::int64_t> oldest_referred;
  for (const auto& [file, kept] : kept_) {
    for (const auto& name : kept.refs) {
      referred.insert(name);
      if (auto parsed = parseDataName(name)) {
        auto [it, inserted] = oldest_referred.emplace(parsed->first, parsed->second);
        if (!inserted) it->second = std::min(it->second, parsed->second);
      }
    }
  }
  std::vector<std::filesystem::path> stale;
  std::error_code ec;
  std::filesystem::directory_iterator it(data_directory_, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (referred.contains(name)) continue;
    auto parsed = parseDataName(name);
    if (!parsed) continue;
    auto oldest = oldest_referred.find(parsed->first);
    if (oldest == oldest_referred.end() || parsed->second >= oldest->second) continue;
    stale.push_back(it->path());
  }
  for (const auto& path : stale) {
    std::error_code remove_ec;
    std::filesystem::remove_all(path, remove_ec);
    if (remove_ec) {
      logger()->warn("cannot delete old data checkpoint {}: {}", path.string(),
                     remove_ec.message());
    }
    removed = true;
  }
  if (removed) {
    try {
      syncDirectory(directory_);
    } catch (const Error& e) {
      logger()->warn("{}", e.what());
    }
  }
}

}  // namespace ember::detail
