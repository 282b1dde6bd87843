#include "checkpoint_metadata.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>
#include <tuple>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/serialization.hpp"
#include "ember/streaming/detail/checked_file.hpp"

namespace ember::detail {

namespace {

constexpr std::string_view kPrefix = "checkpoint-";
constexpr std::string_view kCompletedSuffix = ".bk";

/// (batch time, completed) of a checkpoint file name; nothing for other names.
std::optional<std::pair<std::int64_t, bool>> parseName(const std::string& name) {
  if (!name.starts_with(kPrefix)) return std::nullopt;
  std::string rest = name.substr(kPrefix.size());
  bool completed = rest.ends_with(kCompletedSuffix);
  if (completed) rest.resize(rest.size() - kCompletedSuffix.size());
  if (rest.empty() || !std::all_of(rest.begin(), rest.end(),
                                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  return std::make_pair(std::stoll(rest), completed);
}

/// "stream 3 (WindowedDStream)" for a node line of describe(), the quoted line otherwise.
std::string subjectOf(const std::string& line) {
  std::istringstream in(line);
  std::string id;
  std::string kind;
  in >> id >> kind;
  if (!id.empty() &&
      std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return "stream " + id + " (" + kind + ")";
  }
  return "'" + line + "'";
}

}  // namespace

std::string CheckpointMetadata::encode() const {
  return serializeToString(*this);
}

CheckpointMetadata CheckpointMetadata::decode(const std::string& bytes, const std::string& path) {
  try {
    return deserializeFromString<CheckpointMetadata>(bytes);
  } catch (const SerializationError& e) {
    throw CorruptCheckpointError(path + " does not decode as a metadata checkpoint: " + e.what());
  }
}

std::string checkpointFileName(std::int64_t time_ms, bool completed) {
  return std::string(kPrefix) + std::to_string(time_ms) +
         (completed ? std::string(kCompletedSuffix) : std::string());
}

std::vector<std::string> checkpointFiles(const std::string& directory) {
  std::vector<std::tuple<std::int64_t, bool, std::string>> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(directory, ec);
  if (ec) throw IoError("cannot list checkpoint directory " + directory + ": " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) throw IoError("cannot list checkpoint directory " + directory + ": " + ec.message());
    std::string name = it->path().filename().string();
    if (auto parsed = parseName(name)) {
      found.emplace_back(parsed->first, parsed->second, it->path().string());
    }
  }
  std::sort(found.rbegin(), found.rend());
  std::vector<std::string> paths;
  for (auto& [time, completed, path] : found) paths.push_back(std::move(path));
  return paths;
}

std::optional<LoadedCheckpoint> readLatestCheckpoint(const std::string& directory) {
  std::error_code ec;
  if (!std::filesystem::exists(directory, ec)) return std::nullopt;
  std::vector<std::string> files = checkpointFiles(directory);
  if (files.empty()) return std::nullopt;
  std::vector<std::string> corrupt;
  for (const auto& path : files) {
    try {
      std::string payload = readCheckedFile(path, CheckedFileKind::kMetadata);
      return LoadedCheckpoint{CheckpointMetadata::decode(payload, path), path};
    } catch (const CorruptCheckpointError& e) {
      logger()->warn("skipping checkpoint file {}: {}", path, e.what());
      corrupt.push_back(path);
    }
  }
  std::string names;
  for (const auto& path : corrupt) names += (names.empty() ? "" : ", ") + path;
  throw CheckpointError("no readable checkpoint in " + directory +
                        ": every checkpoint file is "
                        "torn or corrupt (" +
                        names + ")");
}

std::optional<std::string> graphDifference(const std::vector<std::string>& saved,
                                           const std::vector<std::string>& now) {
  std::size_t n = std::max(saved.size(), now.size());
  for (std::size_t i = 0; i < n; ++i) {
    const bool in_saved = i < saved.size();
    const bool in_now = i < now.size();
    if (in_saved && in_now && saved[i] == now[i]) continue;
    if (in_saved && in_now) {
      return subjectOf(saved[i]) + " differs: the checkpoint has '" + saved[i] +
             "', the program now builds '" + now[i] + "'";
    }
    if (in_now) {
      return "the program now builds " + subjectOf(now[i]) +
             ", which the checkpoint does not have: '" + now[i] + "'";
    }
    return subjectOf(saved[i]) + " of the checkpoint is no longer built: '" + saved[i] + "'";
  }
  return std::nullopt;
}

}  // namespace ember::detail
