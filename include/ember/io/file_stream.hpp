#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/streaming/dstream_node.hpp"

namespace ember::detail {

/// Spark's FileInputDStream for text files. At batch t it takes the regular files directly in
/// the directory whose modification time is in (threshold, t], where threshold is the later of
/// the clock at start and t minus the remember window (spark.streaming.fileStream.
/// minRememberDuration, 60 s, rounded up to whole batches), and that no remembered batch took.
/// Names starting with '.' or '_' and names ending in "._COPYING_" are partial or hidden files
/// and are skipped; so are directories and other non-regular files. A file that cannot be read
/// (or a symbolic link that leads nowhere, timed by the link's own mtime) is reported in the log
/// and in the batch's input description ("skipped unreadable file <path>: <reason>"), and is not
/// looked at again. Files are read when the batch is generated, their lines split as Hadoop's
/// LineReader does ("\n", "\r\n" or "\r").
class FileInputNode final : public DStreamNode<std::string>, public InputNodeBase {
 public:
  FileInputNode(StreamingContext& ssc, std::string directory);

  void startInput() override;
  std::string paramsToString() const override { return directory_; }
  std::string shapeParams() const override { return {}; }
  /// Its state also keeps the files each remembered batch took and the time the stream started,
  /// which is what it saves (the files are read again after a restart).
  std::unique_ptr<NodeStateBase> makeState(Time zero_time, Duration remember,
                                           StorageLevel level) const override;

 protected:
  std::optional<Rdd<std::string>> compute(Time time) override;

 private:
  using Skipped = std::pair<std::string, std::string>;  // path, why it cannot be read
  /// The readable new files of batch `time`, sorted; unreadable new ones go to `skipped`.
  std::vector<std::string> findNewFiles(Time time, std::vector<Skipped>& skipped);

  std::string directory_;
  Duration remember_window_;
};

}  // namespace ember::detail
