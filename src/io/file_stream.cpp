#include "ember/io/file_stream.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
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

std::optional<std::int64_t> modificationMillis(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

std::optional<std::vector<std::string>> readLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  if (in.bad()) return std::nullopt;
  return lines;
}

}  // namespace

FileInputNode::FileInputNode(StreamingContext& ssc, std::string directory)
    : DStreamNode<std::string>(ssc, {}, "FileInputDStream"), directory_(std::move(directory)) {
  std::int64_t batch = ssc.batchDuration().milliseconds();
  std::int64_t min_remember =
      ssc.conf().getTimeAsMs("spark.streaming.fileStream.minRememberDuration", 60'000);
  remember_window_ = Duration(batch * ((min_remember + batch - 1) / batch));
}

void FileInputNode::startInput() {
  initial_threshold_ = core().clock().getTimeMillis();
}

std::vector<std::string> FileInputNode::findNewFiles(Time time, std::vector<std::string>& skipped) {
  std::int64_t threshold = std::max(initial_threshold_, (time - remember_window_).milliseconds());
  selected_.erase(selected_.begin(), selected_.upper_bound(time - remember_window_));
  std::set<std::string> recent;
  for (const auto& [t, files] : selected_) recent.insert(files.begin(), files.end());

  std::vector<std::string> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(directory_, ec);
  if (ec) {
    logger()->warn("cannot list directory {}: {}", directory_, ec.message());
    return found;
  }
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (isHiddenOrPartial(name)) continue;
    std::string path = entry.path().string();
    auto mtime = modificationMillis(path);
    if (!mtime || *mtime <= threshold || *mtime > time.milliseconds()) continue;
    if (recent.count(path)) continue;
    if (::access(path.c_str(), R_OK) != 0) {
      skipped.push_back(path);
      continue;
    }
    found.push_back(path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<Rdd<std::string>> FileInputNode::compute(Time time) {
  std::vector<std::string> skipped;
  auto files = findNewFiles(time, skipped);
  std::vector<std::shared_ptr<const std::vector<std::string>>> contents;
  std::string description;
  for (const auto& path : files) {
    auto lines = readLines(path);
    if (!lines) {
      skipped.push_back(path);
      continue;
    }
    contents.push_back(std::make_shared<const std::vector<std::string>>(std::move(*lines)));
    description += path + "\n";
  }
  for (const auto& path : skipped) {
    logger()->warn("skipping unreadable file {}", path);
    description += "skipped unreadable file " + path + "\n";
    files.push_back(path);
  }
  selected_[time].insert(files.begin(), files.end());
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
