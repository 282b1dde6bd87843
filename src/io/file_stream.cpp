#include "ember/io/file_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ember/core/logging.hpp"

namespace ember {

bool defaultFileFilter(const std::string& path) {
  return !std::filesystem::path(path).filename().string().starts_with('.');
}

namespace detail {

namespace {

/// textFileStream's filter: besides hidden names, the ones Hadoop's tools give partial output
/// ("_temporary", "part-0._COPYING_").
bool isVisibleDataFile(const std::string& path) {
  constexpr std::string_view kCopying = "._COPYING_";
  std::string name = std::filesystem::path(path).filename().string();
  return !name.empty() && name[0] != '.' && name[0] != '_' && !name.ends_with(kCopying);
}

std::int64_t millisOf(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

/// What the listing knows of a name in the directory.
struct Candidate {
  std::int64_t mtime = 0;
  bool dangling = false;  // a symbolic link that leads nowhere, timed by its own mtime
};

/// Regular files (through symbolic links) and dangling symbolic links; nothing for directories,
/// pipes, sockets and devices.
std::optional<Candidate> candidateOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    return Candidate{millisOf(st), false};
  }
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return std::nullopt;
  return Candidate{millisOf(st), true};
}

/// Why `path` cannot be opened for reading, or nothing when it can.
std::optional<std::string> unreadable(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string(std::strerror(errno));
  ::close(fd);
  return std::nullopt;
}

using Skipped = std::pair<std::string, std::string>;  // path, why it cannot be read

/// The files of the directory that pass the filter and the time window and that `recent` does
/// not hold; unreadable ones go to `skipped`.
std::vector<std::string> listNewFiles(const FileScan& scan, std::int64_t threshold, Time time,
                                      const std::set<std::string>& recent,
                                      std::vector<Skipped>& skipped) {
  std::vector<std::string> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(scan.directory, ec);
  if (ec) {
    logger()->warn("cannot list directory {}: {}", scan.directory, ec.message());
    return found;
  }
  // Incremented with an error code: an entry that vanishes while listed must not throw.
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      logger()->warn("cannot list directory {}: {}", scan.directory, ec.message());
      break;
    }
    std::string path = it->path().string();
    if (!scan.filter(path)) continue;
    auto candidate = candidateOf(path);
    if (!candidate || candidate->mtime <= threshold || candidate->mtime > time.milliseconds()) {
      continue;
    }
    if (recent.count(path)) continue;
    if (candidate->dangling) {
      skipped.emplace_back(path, "dangling symbolic link");
    } else if (auto why = unreadable(path)) {
      skipped.emplace_back(path, *why);
    } else {
      found.push_back(path);
    }
  }
  std::sort(found.begin(), found.end());
  std::sort(skipped.begin(), skipped.end());
  return found;
}

}  // namespace

// ---- FileSelection ----------------------------------------------------------------------------

void FileSelection::setStartTime(std::int64_t ms) {
  std::lock_guard lock(mutex_);
  if (!restored_) start_time_ = ms;
}

std::optional<std::vector<std::string>> FileSelection::restoredFiles(Time time) const {
  std::lock_guard lock(mutex_);
  if (!restored_times_.contains(time)) return std::nullopt;
  auto it = selected_.find(time);
  if (it == selected_.end()) return std::vector<std::string>{};
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

std::int64_t FileSelection::startTime() const {
  std::lock_guard lock(mutex_);
  return start_time_;
}

std::set<std::string> FileSelection::recentFiles(Time threshold) {
  std::lock_guard lock(mutex_);
  selected_.erase(selected_.begin(), selected_.upper_bound(threshold));
  std::set<std::string> recent;
  for (const auto& [t, files] : selected_) recent.insert(files.begin(), files.end());
  return recent;
}

void FileSelection::take(Time time, const std::vector<std::string>& files) {
  std::lock_guard lock(mutex_);
  selected_[time].insert(files.begin(), files.end());
}

void FileSelection::save(cereal::BinaryOutputArchive& ar) const {
  std::lock_guard lock(mutex_);
  std::map<std::int64_t, std::set<std::string>> selected;
  for (const auto& [t, files] : selected_) selected.emplace(t.milliseconds(), files);
  ar(start_time_, selected);
}

void FileSelection::load(cereal::BinaryInputArchive& ar) {
  std::int64_t start_time = 0;
  std::map<std::int64_t, std::set<std::string>> selected;
  try {
    ar(start_time, selected);
  } catch (const cereal::Exception& e) {
    throw SerializationError(std::string("cannot load a file stream's state: ") + e.what());
  }
  std::lock_guard lock(mutex_);
  start_time_ = start_time;
  selected_.clear();
  restored_times_.clear();
  for (auto& [ms, files] : selected) {
    restored_times_.insert(Time(ms));
    selected_.emplace(Time(ms), std::move(files));
  }
  restored_ = true;
}

// ---- Selecting a batch's files ----------------------------------------------------------------

Duration fileRememberWindow(const Conf& conf, Duration batch) {
  const char* key = "spark.streaming.fileStream.minRememberDuration";
  const char* old_key = "spark.streaming.minRememberDuration";
  const char* used = conf.contains(key) ? key : old_key;
  std::int64_t min_remember_ms = 60'000;
  if (auto text = conf.getOption(used)) {
    bool bare = !text->empty() && std::all_of(text->begin(), text->end(),
                                              [](char c) { return c >= '0' && c <= '9'; });
    // Spark reads it with getTimeAsSeconds: a bare number is seconds, finer units are cut.
    min_remember_ms = bare ? conf.getLong(used, 0) * 1000 : conf.getTimeAsMs(used, 0) / 1000 * 1000;
  }
  if (min_remember_ms < 0) {
    throw IllegalArgumentError(std::string("configuration ") + used + " must not be negative");
  }
  std::int64_t b = batch.milliseconds();
  return Duration(b * ((min_remember_ms + b - 1) / b));
}

std::vector<std::string> selectNewFiles(const FileScan& scan, FileSelection& selection, Time time,
                                        std::string& description) {
  Time window_start = time - scan.remember_window;
  std::int64_t threshold = std::max(selection.startTime(), window_start.milliseconds());
  std::set<std::string> recent = selection.recentFiles(window_start);
  std::vector<Skipped> skipped;
  std::vector<std::string> files = listNewFiles(scan, threshold, time, recent, skipped);
  selection.take(time, files);
  for (const auto& path : files) description += path + "\n";
  for (const auto& [path, reason] : skipped) {
    logger()->warn("skipping unreadable file {}: {}", path, reason);
    description += "skipped unreadable file " + path + ": " + reason + "\n";
    selection.take(time, {path});  // once, as Spark takes a file once
  }
  return files;
}

std::vector<std::string> filesOfBatch(const FileScan& scan, FileSelection& selection, Time time,
                                      std::string& description) {
  auto restored = selection.restoredFiles(time);
  if (!restored) return selectNewFiles(scan, selection, time, description);
  std::vector<std::string> files;
  for (const auto& path : *restored) {
    if (auto reason = unreadable(path)) {
      description += "skipped unreadable file " + path + ": " + *reason + "\n";
      continue;
    }
    files.push_back(path);
    description += path + "\n";
  }
  return files;
}

FileScan makeFileScan(StreamingContext& ssc, const char* operation, const std::string& directory,
                      FileFilter filter, bool new_files_only) {
  if (directory.empty()) {
    throw IllegalArgumentError(std::string(operation) + ": directory must not be empty");
  }
  if (!filter) filter = defaultFileFilter;
  return FileScan{directory, std::move(filter), new_files_only,
                  fileRememberWindow(ssc.conf(), ssc.batchDuration())};
}

}  // namespace detail

DStream<std::pair<std::int64_t, std::string>> StreamingContext::fileStream(
    const std::string& directory, FileFilter filter, bool newFilesOnly) {
  auto scan = detail::makeFileScan(*this, "fileStream", directory, std::move(filter), newFilesOnly);
  return detail::makeFileStream<std::pair<std::int64_t, std::string>>(*this, std::move(scan),
                                                                      readLinesWithOffsets);
}

DStream<std::string> StreamingContext::textFileStream(const std::string& directory) {
  auto scan =
      detail::makeFileScan(*this, "textFileStream", directory, detail::isVisibleDataFile, true);
  return detail::makeFileStream<std::string>(*this, std::move(scan), readLines);
}

DStream<std::vector<std::uint8_t>> StreamingContext::binaryRecordsStream(
    const std::string& directory, int recordLength) {
  if (recordLength <= 0) {
    throw IllegalArgumentError("binaryRecordsStream: recordLength must be positive, got " +
                               std::to_string(recordLength));
  }
  auto scan =
      detail::makeFileScan(*this, "binaryRecordsStream", directory, defaultFileFilter, true);
  return detail::makeFileStream<std::vector<std::uint8_t>>(
      *this, std::move(scan), [recordLength](const std::string& path) {
        return readFixedLengthRecords(path, recordLength);
      });
}

}  // namespace ember
