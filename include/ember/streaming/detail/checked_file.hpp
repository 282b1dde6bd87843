#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ember::detail {

/// What a checked file holds; a reader asking for one kind refuses a file of another.
enum class CheckedFileKind : std::uint32_t {
  kMetadata = 1,      // a metadata checkpoint (checkpoint-<ms>)
  kRddPartition = 2,  // one partition of a data checkpoint
};

/// The format version this build writes, and the newest it reads.
inline constexpr std::uint32_t kCheckedFileVersion = 1;

/// Writes `payload` to `path` so that the file is either absent or whole: into a temporary file
/// beside it, fsync, rename over `path`, fsync of the directory. The file carries a magic, the
/// format version, `kind`, the payload's length and a CRC-32 of all of it. Throws IoError naming
/// the file and the system's reason when any step fails (the temporary file is removed).
void writeCheckedFile(const std::string& path, CheckedFileKind kind, std::string_view payload);

/// The payload of a file writeCheckedFile wrote. Throws CorruptCheckpointError when the file is
/// empty, truncated or its checksum does not match (a torn or altered file, which a reader may
/// skip for an older one), CheckpointError when it is not an ember checked file, is of another
/// kind or of a newer format version (never half-read), and IoError when it cannot be read.
std::string readCheckedFile(const std::string& path, CheckedFileKind kind);

/// fsyncs a directory, so that the names created or removed in it survive a crash. Throws IoError.
void syncDirectory(const std::string& directory);

/// For crash tests: called with the final path after a checked file was written and synced and
/// before it is renamed into place (a test aborts the process there). Empty to remove it.
void setCheckedFileWriteHook(std::function<void(const std::string& path)> hook);

}  // namespace ember::detail
