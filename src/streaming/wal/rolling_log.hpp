#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ember::detail {

/// Where one record of a RollingLog is: its file, the offset of its bytes and their length.
struct LogRecordHandle {
  std::string file;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(file, offset, length);
  }
  friend bool operator==(const LogRecordHandle&, const LogRecordHandle&) = default;
};

/// An append-only log of records in rolling files (Spark's FileBasedWriteAheadLog): files
/// `log-<first ms>-<last ms>` in one directory, a new file every `rolling_interval_ms` of the
/// time given to append(), each starting with a magic and a format version. Each record is
/// framed with its length and a CRC-32, and synced to
/// disk before append() returns, so a record append() returned for survives a crash. A record cut
/// short by a crash (the torn tail of the last file) is detected and ignored when read back.
/// Thread-safe.
class RollingLog {
 public:
  /// Makes `directory` if missing. Throws IoError when it cannot.
  RollingLog(std::string directory, std::int64_t rolling_interval_ms);
  ~RollingLog();
  RollingLog(const RollingLog&) = delete;
  RollingLog& operator=(const RollingLog&) = delete;

  const std::string& directory() const { return directory_; }

  /// Appends `record` (at most 2^32 - 1 bytes) at time `now_ms`, synced. Throws IoError.
  LogRecordHandle append(std::string_view record, std::int64_t now_ms);
  /// The record at `handle`. Throws IoError when it cannot be read and CorruptCheckpointError
  /// when its checksum does not match.
  std::string read(const LogRecordHandle& handle) const;
  /// Every whole record of every file, oldest file first. A torn or corrupt record ends its
  /// file's records (with a warning naming the file). Throws IoError when the directory cannot
  /// be listed, and CheckpointError for a file that is not an ember log or is of a newer format
  /// version (never read as records).
  std::vector<std::string> readAll() const;
  /// Deletes the files whose records are all older than `threshold_ms`, except the one being
  /// written. Errors are logged, not thrown.
  void clean(std::int64_t threshold_ms);
  /// Closes the current file; the next append starts a new one. Does not throw.
  void close();

 private:
  struct Current {
    int fd = -1;
    std::string path;
    std::int64_t start_ms = 0;
    std::int64_t end_ms = 0;
    std::uint64_t size = 0;
  };
  void closeLocked();
  /// The files, with their time ranges, oldest first.
  std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::string>> files() const;

  std::string directory_;
  std::int64_t rolling_interval_ms_;
  mutable std::mutex mutex_;
  Current current_;  // guarded by mutex_
};

}  // namespace ember::detail
