#include "ember/io/file_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/io/line_splitter.hpp"
#include "ember/io/queue_stream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

namespace {

/// Text files of one batch, one partition per file (read when the batch was generated).
class TextFilesNode final : public RddNode<std::string> {
 public:
  TextFilesNode(std::shared_ptr<EngineState> engine,
                std::vector<std::shared_ptr<const std::vector<std::string>>> files)
      : RddNode<std::string>(std::move(engine), static_cast<int>(files.size()), {}),
        files_(std::move(files)) {}

  void compute(const TaskContext&, int partition, ChunkSink<std::string>& out) const override {
    const auto& lines = *files_[partition];
    pushCopies(lines, 0, lines.size(), out);
  }
  std::string name() const override { return "TextFileRDD"; }

 private:
  std::vector<std::shared_ptr<const std::vector<std::string>>> files_;
};

bool isHiddenOrPartial(const std::string& name) {
  constexpr std::string_view kCopying = "._COPYING_";
  return name.empty() || name[0] == '.' || name[0] == '_' ||
         (name.size() >= kCopying.size() &&
          name.compare(name.size() - kCopying.size(), kCopying.size(), kCopying) == 0);
}

std::int64_t millisOf(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

/// What the listing knows of a name in the directory.
struct Candidate {
  std::int64_t mtime = 0;
  bool readable = true;  // false for a symbolic link that leads nowhere
};

/// Regular files (through symbolic links) and dangling symbolic links; nothing for directories,
/// pipes, sockets and devices.
std::optional<Candidate> candidateOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    return Candidate{millisOf(st), true};
  }
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return std::nullopt;
  return Candidate{millisOf(st), false};
}

/// The lines of a file (LineSplitter's rules, as Hadoop's LineReader), or an error message.
std::optional<std::vector<std::string>> readLines(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::vector<std::string> lines;
  auto emit = [&lines](std::string&& line) {
    replaceMalformedUtf8(line);
    lines.push_back(std::move(line));
  };
  LineSplitter splitter;
  std::string buffer(64 * 1024, '\0');
  bool first = true;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    std::string_view bytes(buffer.data(), static_cast<std::size_t>(n));
    if (first && bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);  // as LineRecordReader
    first = false;
    splitter.feed(bytes, emit);
  }
  ::close(fd);
  splitter.finish(emit);
  return lines;
}

/// A file stream's runtime state: besides its RDDs, the time it started (files older are not
/// new) and the files each batch in the remember window took, so that no file is taken twice.
class FileInputState final : public NodeState<std::string> {
 public:
  using NodeState<std::string>::NodeState;

  /// The time files must be newer than, unless a checkpoint restored it.
  void setStartTime(std::int64_t ms) {
    std::lock_guard lock(mutex_);
    if (!restored_) initial_threshold_ = ms;
  }
  std::int64_t startTime() const {
    std::lock_guard lock(mutex_);
    return initial_threshold_;
  }
  /// Forgets the batches at or before `threshold`; returns the files the others took.
  std::set<std::string> recentFiles(Time threshold) {
    std::lock_guard lock(mutex_);
    selected_.erase(selected_.begin(), selected_.upper_bound(threshold));
    std::set<std::string> recent;
    for (const auto& [t, files] : selected_) recent.insert(files.begin(), files.end());
    return recent;
  }
  /// The files batch `time` took before a restart (restored from a checkpoint), if it ran then.
  std::optional<std::vector<std::string>> restoredFiles(Time time) {
    std::lock_guard lock(mutex_);
    if (!restored_times_.contains(time)) return std::nullopt;
    auto it = selected_.find(time);
    if (it == selected_.end()) return std::vector<std::string>{};
    return std::vector<std::string>(it->second.begin(), it->second.end());
  }
  void take(Time time, const std::vector<std::string>& files) {
    std::lock_guard lock(mutex_);
    selected_[time].insert(files.begin(), files.end());
  }

  void save(cereal::BinaryOutputArchive& ar) const override {
    std::lock_guard lock(mutex_);
    std::map<std::int64_t, std::set<std::string>> selected;
    for (const auto& [t, files] : selected_) selected.emplace(t.milliseconds(), files);
    ar(initial_threshold_, selected);
  }

  void load(cereal::BinaryInputArchive& ar, const Engine&) override { loadFiles(ar); }

  // A file stream's position is what it saves: the files of the batches it remembers.
  void savePosition(cereal::BinaryOutputArchive& ar) const override { save(ar); }
  void loadPosition(cereal::BinaryInputArchive& ar) override { loadFiles(ar); }

 private:
  void loadFiles(cereal::BinaryInputArchive& ar) {
    std::int64_t threshold = 0;
    std::map<std::int64_t, std::set<std::string>> selected;
    try {
      ar(threshold, selected);
    } catch (const cereal::Exception& e) {
      throw SerializationError(std::string("cannot load a file stream's state: ") + e.what());
    }
    std::lock_guard lock(mutex_);
    initial_threshold_ = threshold;
    selected_.clear();
    restored_times_.clear();
    for (auto& [ms, files] : selected) {
      restored_times_.insert(Time(ms));
      selected_.emplace(Time(ms), std::move(files));
    }
    restored_ = true;
  }

  mutable std::mutex mutex_;
  std::int64_t initial_threshold_ = 0;
  std::map<Time, std::set<std::string>> selected_;  // batch time -> files it took
  bool restored_ = false;                           // loaded from a checkpoint
  std::set<Time> restored_times_;  // the batches a checkpoint says ran, with their files
};

}  // namespace

FileInputNode::FileInputNode(StreamingContext& ssc, std::string directory)
    : DStreamNode<std::string>(ssc, {}, "FileInputDStream"), directory_(std::move(directory)) {
  std::int64_t batch = ssc.batchDuration().milliseconds();
  std::int64_t min_remember =
      ssc.conf().getTimeAsMs("spark.streaming.fileStream.minRememberDuration", 60'000);
  remember_window_ = Duration(batch * ((min_remember + batch - 1) / batch));
}

std::unique_ptr<NodeStateBase> FileInputNode::makeState(Time zero_time, Duration remember,
                                                        StorageLevel level) const {
  return std::make_unique<FileInputState>(zero_time, remember, level);
}

void FileInputNode::startInput() {
  static_cast<FileInputState&>(state()).setStartTime(core().clock().getTimeMillis());
}

std::vector<std::string> FileInputNode::findNewFiles(Time time, std::vector<Skipped>& skipped) {
  auto& files_state = static_cast<FileInputState&>(state());
  std::int64_t threshold =
      std::max(files_state.startTime(), (time - remember_window_).milliseconds());
  std::set<std::string> recent = files_state.recentFiles(time - remember_window_);

  std::vector<std::string> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(directory_, ec);
  if (ec) {
    logger()->warn("cannot list directory {}: {}", directory_, ec.message());
    return found;
  }
  // Incremented with an error code: an entry that vanishes while listed must not throw.
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      logger()->warn("cannot list directory {}: {}", directory_, ec.message());
      break;
    }
    const auto& entry = *it;
    std::string name = entry.path().filename().string();
    if (isHiddenOrPartial(name)) continue;
    std::string path = entry.path().string();
    auto candidate = candidateOf(path);
    if (!candidate || candidate->mtime <= threshold || candidate->mtime > time.milliseconds()) {
      continue;
    }
    if (recent.count(path)) continue;
    if (!candidate->readable) {
      skipped.emplace_back(path, "dangling symbolic link");
      continue;
    }
    found.push_back(path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<Rdd<std::string>> FileInputNode::compute(Time time) {
  std::vector<Skipped> skipped;
  // A batch that ran before a restart reads the files it took then, whatever the directory
  // holds now: recomputed state and re-run batches see the same input.
  auto& restored_state = static_cast<FileInputState&>(state());
  auto restored = restored_state.restoredFiles(time);
  auto files = restored ? std::move(*restored) : findNewFiles(time, skipped);
  std::vector<std::shared_ptr<const std::vector<std::string>>> contents;
  std::string description;
  for (const auto& path : files) {
    std::string error;
    auto lines = readLines(path, error);
    if (!lines) {
      skipped.emplace_back(path, error);
      continue;
    }
    contents.push_back(std::make_shared<const std::vector<std::string>>(std::move(*lines)));
    description += path + "\n";
  }
  std::vector<std::string> taken;
  for (const auto& [path, reason] : skipped) {
    logger()->warn("skipping unreadable file {}: {}", path, reason);
    description += "skipped unreadable file " + path + ": " + reason + "\n";
    taken.push_back(path);  // once, as Spark takes a file once
  }
  auto& files_state = static_cast<FileInputState&>(state());
  files_state.take(time, files);
  files_state.take(time, taken);
  core().reportInputInfo(time, StreamInputInfo{inputStreamId(), 0, description});
  return Rdd<std::string>(
      std::make_shared<TextFilesNode>(context().sparkContext().state(), std::move(contents)));
}

}  // namespace detail

DStream<std::string> StreamingContext::textFileStream(const std::string& directory) {
  if (directory.empty()) throw IllegalArgumentError("textFileStream: directory must not be empty");
  auto node = std::make_shared<detail::FileInputNode>(*this, directory);
  return detail::registerInput<detail::FileInputNode, std::string>(*this, std::move(node));
}

}  // namespace ember
