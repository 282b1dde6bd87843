#include "rolling_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/streaming/detail/checked_file.hpp"

namespace ember::detail {

namespace {

constexpr std::size_t kFrame = 8;  // u32 length, u32 CRC-32, little-endian
// Every file starts with a magic and a format version, so that a foreign or newer file is
// refused rather than read as records.
constexpr std::string_view kMagic = "EMBERLOG";
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeader = 12;

std::uint32_t crcOf(std::string_view bytes) {
  return static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0),
                                            reinterpret_cast<const Bytef*>(bytes.data()),
                                            static_cast<uInt>(bytes.size())));
}

void putU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t getU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

/// (first ms, last ms) of "log-<first>-<last>".
std::optional<std::pair<std::int64_t, std::int64_t>> parseName(const std::string& name) {
  if (!name.starts_with("log-")) return std::nullopt;
  auto dash = name.find('-', 4);
  if (dash == std::string::npos) return std::nullopt;
  try {
    std::size_t used = 0;
    std::int64_t first = std::stoll(name.substr(4, dash - 4), &used);
    if (used != dash - 4) return std::nullopt;
    std::string rest = name.substr(dash + 1);
    std::int64_t last = std::stoll(rest, &used);
    if (used != rest.size()) return std::nullopt;
    return std::make_pair(first, last);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

RollingLog::RollingLog(std::string directory, std::int64_t rolling_interval_ms)
    : directory_(std::move(directory)),
      rolling_interval_ms_(std::max<std::int64_t>(1, rolling_interval_ms)) {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) throw IoError("cannot create log directory " + directory_ + ": " + ec.message());
}

RollingLog::~RollingLog() {
  close();
}

void RollingLog::close() {
  std::lock_guard lock(mutex_);
  closeLocked();
}

void RollingLog::closeLocked() {
  if (current_.fd >= 0) ::close(current_.fd);
  current_ = Current{};
}

LogRecordHandle RollingLog::append(std::string_view record, std::int64_t now_ms) {
  if (record.size() > 0xffffffffu) {
    throw IoError("a log record of " + std::to_string(record.size()) +
                  " bytes is longer than the 4 GiB a record may have");
  }
  std::string frame;
  frame.reserve(kFrame + record.size());
  putU32(frame, static_cast<std::uint32_t>(record.size()));
  putU32(frame, crcOf(record));
  frame.append(record);

  std::lock_guard lock(mutex_);
  bool fresh = false;  // a new file: its header goes out with the first record
  if (current_.fd < 0 || now_ms >= current_.end_ms) {
    closeLocked();
    Current next;
    next.end_ms = now_ms + rolling_interval_ms_;
    // Never append to a file an earlier process wrote: a record torn by its crash would hide
    // everything after it. A later start in the name keeps the files in order.
    for (next.start_ms = now_ms;; ++next.start_ms) {
      next.path =
          directory_ + "/log-" + std::to_string(next.start_ms) + "-" + std::to_string(next.end_ms);
      std::error_code ec;
      if (!std::filesystem::exists(next.path, ec)) break;
    }
    next.fd = ::open(next.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (next.fd < 0) throw IoError(systemError("cannot open log file", next.path));
    current_ = next;
    fresh = true;
    try {
      syncDirectory(directory_);
    } catch (...) {
      closeLocked();
      throw;
    }
  }
  if (fresh) {
    std::string header(kMagic);
    putU32(header, kVersion);
    frame.insert(0, header);
  }
  std::string_view rest(frame);
  while (!rest.empty()) {
    ssize_t n = ::write(current_.fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = systemError("cannot append to log file", current_.path);
      closeLocked();  // a torn record may end this file: the next append starts another
      throw IoError(message);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fdatasync(current_.fd) != 0) {
    std::string message = systemError("cannot sync log file", current_.path);
    closeLocked();
    throw IoError(message);
  }
  LogRecordHandle handle{current_.path, current_.size + (fresh ? kHeader : 0) + kFrame,
                         static_cast<std::uint32_t>(record.size())};
  current_.size += frame.size();
  return handle;
}

std::string RollingLog::read(const LogRecordHandle& handle) const {
  int fd = ::open(handle.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(systemError("cannot open log file", handle.file));
  std::string buffer(kFrame + handle.length, '\0');
  std::size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::pread(fd, buffer.data() + got, buffer.size() - got,
                        static_cast<off_t>(handle.offset - kFrame + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got < buffer.size()) {
    throw CorruptCheckpointError("log file " + handle.file + " ends before the record at offset " +
                                 std::to_string(handle.offset));
  }
  std::string_view payload(buffer.data() + kFrame, handle.length);
  if (getU32(buffer.data()) != handle.length || getU32(buffer.data() + 4) != crcOf(payload)) {
    throw CorruptCheckpointError("the record at offset " + std::to_string(handle.offset) +
                                 " of log file " + handle.file + " is corrupt");
  }
  return std::string(payload);
}

std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::string>> RollingLog::files()
    const {
  std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::string>> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(directory_, ec);
  if (ec) throw IoError("cannot list log directory " + directory_ + ": " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) throw IoError("cannot list log directory " + directory_ + ": " + ec.message());
    if (auto range = parseName(it->path().filename().string())) {
      found.emplace_back(*range, it->path().string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::string> RollingLog::readAll() const {
  std::vector<std::string> records;
  for (const auto& [range, path] : files()) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::string_view seen = std::string_view(bytes).substr(0, kMagic.size());
    if (seen != kMagic.substr(0, seen.size())) {
      throw CheckpointError(path + " is not an ember log file (it does not start with '" +
                            std::string(kMagic) + "')");
    }
    if (bytes.size() < kHeader) {
      logger()->warn("log file {} was cut short before its first record", path);
      continue;
    }
    std::uint32_t version = getU32(bytes.data() + kMagic.size());
    if (version == 0 || version > kVersion) {
      throw CheckpointError(path + " was written in log format version " + std::to_string(version) +
                            "; this build reads versions 1 to " + std::to_string(kVersion));
    }
    std::size_t at = kHeader;
    while (at < bytes.size()) {
      if (bytes.size() - at < kFrame) {
        logger()->warn("log file {} ends with a torn record at offset {}", path, at);
        break;
      }
      std::uint32_t length = getU32(bytes.data() + at);
      if (bytes.size() - at - kFrame < length) {
        logger()->warn("log file {} ends with a torn record at offset {}", path, at);
        break;
      }
      std::string_view payload(bytes.data() + at + kFrame, length);
      if (getU32(bytes.data() + at + 4) != crcOf(payload)) {
        logger()->warn("log file {} has a corrupt record at offset {}: the rest is ignored", path,
                       at);
        break;
      }
      records.emplace_back(payload);
      at += kFrame + length;
    }
  }
  return records;
}

void RollingLog::clean(std::int64_t threshold_ms) {
  std::string current;
  {
    std::lock_guard lock(mutex_);
    current = current_.path;
  }
  try {
    for (const auto& [range, path] : files()) {
      if (range.second >= threshold_ms || path == current) continue;
      std::error_code ec;
      std::filesystem::remove(path, ec);
      if (ec) logger()->warn("cannot delete old log file {}: {}", path, ec.message());
    }
  } catch (const Error& e) {
    logger()->warn("cannot clean log directory: {}", e.what());
  }
}

}  // namespace ember::detail
