#include "ember/streaming/detail/checked_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

#include "ember/core/error.hpp"

namespace ember::detail {

namespace {

constexpr std::string_view kMagic = "EMBERCKP";
constexpr std::size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr std::size_t kTrailerSize = 4;

std::mutex hook_mutex;
std::shared_ptr<const std::function<void(const std::string&)>> write_hook;  // guarded

void putLe(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t getLe(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  }
  return value;
}

std::uint32_t crcOf(std::string_view a, std::string_view b) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes lengths as uInt: feed large payloads in pieces.
  for (std::string_view part : {a, b}) {
    while (!part.empty()) {
      auto n = static_cast<uInt>(std::min<std::size_t>(part.size(), 1u << 30));
      crc = ::crc32(crc, reinterpret_cast<const Bytef*>(part.data()), n);
      part.remove_prefix(n);
    }
  }
  return static_cast<std::uint32_t>(crc);
}

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void writeAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(systemError("cannot write", path));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void syncDirectory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(systemError("cannot open directory", directory));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) throw IoError(systemError("cannot sync directory", directory));
}

void setCheckedFileWriteHook(std::function<void(const std::string& path)> hook) {
  std::lock_guard lock(hook_mutex);
  write_hook =
      hook ? std::make_shared<const std::function<void(const std::string&)>>(std::move(hook))
           : nullptr;
}

void writeCheckedFile(const std::string& path, CheckedFileKind kind, std::string_view payload) {
  std::string header;
  header.reserve(kHeaderSize);
  header.append(kMagic);
  putLe(header, kCheckedFileVersion, 4);
  putLe(header, static_cast<std::uint32_t>(kind), 4);
  putLe(header, payload.size(), 8);
  std::string trailer;
  putLe(trailer, crcOf(header, payload), 4);

  std::filesystem::path final_path(path);
  std::string directory =
      final_path.parent_path().empty() ? "." : final_path.parent_path().string();
  static std::atomic<std::uint64_t> counter{0};
  std::string temp = (final_path.parent_path() /
                      ("." + final_path.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                       "-" + std::to_string(counter.fetch_add(1))))
                         .string();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(systemError("cannot create", temp));
  try {
    writeAll(fd, header, temp);
    writeAll(fd, payload, temp);
    writeAll(fd, trailer, temp);
    if (::fsync(fd) != 0) throw IoError(systemError("cannot sync", temp));
    if (::close(fd) != 0) {
      fd = -1;
      throw IoError(systemError("cannot close", temp));
    }
    fd = -1;
    std::shared_ptr<const std::function<void(const std::string&)>> hook;
    {
      std::lock_guard lock(hook_mutex);
      hook = write_hook;
    }
    if (hook) (*hook)(path);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      throw IoError(systemError("cannot rename " + temp + " to", path));
    }
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  syncDirectory(directory);
}

std::string readCheckedFile(const std::string& path, CheckedFileKind kind) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(systemError("cannot open", path));
  std::string bytes;
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      throw IoError(systemError("cannot read", path));
    }
    if (n == 0) break;
    bytes.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);

  std::string_view view(bytes);
  if (view.empty()) throw CorruptCheckpointError(path + " is empty (a torn write?)");
  std::size_t magic_seen = std::min(view.size(), kMagic.size());
  if (view.substr(0, magic_seen) != kMagic.substr(0, magic_seen)) {
    throw CheckpointError(path + " is not an ember checkpoint file (it does not start with '" +
                          std::string(kMagic) + "')");
  }
  if (view.size() < kHeaderSize + kTrailerSize) {
    throw CorruptCheckpointError(path + " is truncated: " + std::to_string(view.size()) +
                                 " bytes, shorter than a header");
  }
  auto version = static_cast<std::uint32_t>(getLe(view, 8, 4));
  if (version == 0 || version > kCheckedFileVersion) {
    throw CheckpointError(path + " was written in checkpoint format version " +
                          std::to_string(version) + "; this build reads versions 1 to " +
                          std::to_string(kCheckedFileVersion));
  }
  auto found_kind = static_cast<std::uint32_t>(getLe(view, 12, 4));
  if (found_kind != static_cast<std::uint32_t>(kind)) {
    throw CheckpointError(path + " holds data of kind " + std::to_string(found_kind) +
                          " where kind " + std::to_string(static_cast<std::uint32_t>(kind)) +
                          " was expected");
  }
  std::uint64_t length = getLe(view, 16, 8);
  if (view.size() != kHeaderSize + length + kTrailerSize) {
    throw CorruptCheckpointError(path + " is truncated or torn: its header announces " +
                                 std::to_string(kHeaderSize + length + kTrailerSize) +
                                 " bytes, the file has " + std::to_string(view.size()));
  }
  std::string_view payload = view.substr(kHeaderSize, length);
  auto stored = static_cast<std::uint32_t>(getLe(view, kHeaderSize + length, 4));
  if (stored != crcOf(view.substr(0, kHeaderSize), payload)) {
    throw CorruptCheckpointError(path + " is corrupt: its checksum does not match its contents");
  }
  return std::string(payload);
}

}  // namespace ember::detail
