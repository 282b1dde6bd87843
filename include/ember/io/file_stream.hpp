#pragma once

// ssc.fileStream and its special cases textFileStream and binaryRecordsStream: Spark's
// FileInputDStream, with a reader (io/file_readers.hpp) in place of a Hadoop input format.

#include <cereal/archives/binary.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/error.hpp"
#include "ember/core/rdd_node.hpp"
#include "ember/io/file_readers.hpp"
#include "ember/io/queue_stream.hpp"
#include "ember/streaming/detail/node_state.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

/// Spark's FileInputDStream.defaultFilter: false for a path whose file name starts with '.'.
bool defaultFileFilter(const std::string& path);

namespace detail {

/// What a file stream keeps across batches: the time it started (newer files are new) and the
/// files each batch in the remember window took, so that no file is taken twice. This is what
/// it saves for a restart; the files are read again then. Thread-safe.
class FileSelection {
 public:
  /// The time files must be newer than; kept as it was when load() restored it.
  void setStartTime(std::int64_t ms);
  std::int64_t startTime() const;
  /// The files batch `time` took before a restart, when load() restored that batch.
  std::optional<std::vector<std::string>> restoredFiles(Time time) const;
  /// Forgets the batches at or before `threshold`; returns the files the others took.
  std::set<std::string> recentFiles(Time threshold);
  void take(Time time, const std::vector<std::string>& files);

  /// Writes the start time and, by batch time (ms), the files taken.
  void save(cereal::BinaryOutputArchive& ar) const;
  /// Replaces what this holds with what save() wrote. Throws SerializationError for bytes that
  /// save() did not write.
  void load(cereal::BinaryInputArchive& ar);

 private:
  mutable std::mutex mutex_;
  std::int64_t start_time_ = 0;
  std::map<Time, std::set<std::string>> selected_;  // batch time -> files it took
  bool restored_ = false;                           // load() ran: the start time is the saved one
  std::set<Time> restored_times_;  // the batches load() brought back, with their files
};

/// Where a file stream looks and which files it accepts; fixed when the stream is made.
struct FileScan {
  std::string directory;
  FileFilter filter;  // never empty here
  bool new_files_only = true;
  /// spark.streaming.fileStream.minRememberDuration rounded up to whole batches.
  Duration remember_window;
};

/// The remember window of a file stream of batch interval `batch`: the configured minimum
/// remember duration (spark.streaming.fileStream.minRememberDuration, else the older
/// spark.streaming.minRememberDuration, 60 s; a bare number is seconds, as Spark's
/// getTimeAsSeconds reads it) rounded up to whole batches. Throws IllegalArgumentError for a
/// value that is not a duration or is negative.
Duration fileRememberWindow(const Conf& conf, Duration batch);

/// The new files of batch `time` (SPEC IN-10): regular files directly in the directory that
/// pass the filter, whose modification time is in (max(start threshold, time - remember
/// window), time], and that no remembered batch took. All of them are recorded as taken by
/// `time`. Returns those that can be opened, sorted by path; the others are logged and listed in
/// `description` ("skipped unreadable file <path>: <reason>"), after the returned ones.
std::vector<std::string> selectNewFiles(const FileScan& scan, FileSelection& selection, Time time,
                                        std::string& description);

/// The files of batch `time`: those it took before a restart when a checkpoint restored that
/// batch (so that a batch run again, or a state computed again, reads the same input), else
/// selectNewFiles().
std::vector<std::string> filesOfBatch(const FileScan& scan, FileSelection& selection, Time time,
                                      std::string& description);

/// A file stream's runtime state: its RDDs (as every stream's) and its FileSelection, which is
/// what it saves instead of the RDDs.
template <class T>
class FileInputState final : public NodeState<T> {
 public:
  using NodeState<T>::NodeState;

  FileSelection& selection() { return selection_; }
  void save(cereal::BinaryOutputArchive& ar) const override { selection_.save(ar); }
  void load(cereal::BinaryInputArchive& ar, const Engine&) override { selection_.load(ar); }
  // The selection is also the stream's position in a metadata checkpoint.
  void savePosition(cereal::BinaryOutputArchive& ar) const override { selection_.save(ar); }
  void loadPosition(cereal::BinaryInputArchive& ar) override { selection_.load(ar); }

 private:
  FileSelection selection_;
};

/// One file of a batch: its records, or what reading it threw.
template <class T>
struct FileRecords {
  std::shared_ptr<const std::vector<T>> records;
  std::exception_ptr error;
};

/// The files of one batch, one partition per file, read when the batch was generated. A file
/// whose reader threw fails every task that computes its partition with that error, so the jobs
/// that read the batch fail as Spark's do when a record reader throws.
template <class T>
class FilesRddNode final : public RddNode<T> {
 public:
  FilesRddNode(std::shared_ptr<EngineState> engine, std::vector<FileRecords<T>> files)
      : RddNode<T>(std::move(engine), static_cast<int>(files.size()), {}),
        files_(std::move(files)) {}

  void compute(const TaskContext&, int partition, ChunkSink<T>& out) const override {
    const FileRecords<T>& file = files_[static_cast<std::size_t>(partition)];
    if (file.error) std::rethrow_exception(file.error);
    pushCopies(*file.records, 0, file.records->size(), out);
  }
  std::string name() const override { return "FileRDD"; }

 private:
  std::vector<FileRecords<T>> files_;
};

/// Spark's FileInputDStream: at each batch, the new files (selectNewFiles), each read whole by
/// the reader when the batch is generated, so that every job of the batch sees the file as it
/// was then. The batch's input description lists the files.
template <class T>
class FileInputNode final : public DStreamNode<T>, public InputNodeBase {
 public:
  using Reader = std::function<std::vector<T>(const std::string&)>;

  FileInputNode(StreamingContext& ssc, FileScan scan, Reader reader)
      : DStreamNode<T>(ssc, {}, "FileInputDStream"),
        scan_(std::move(scan)),
        reader_(std::move(reader)) {}

  void startInput() override {
    selection().setStartTime(scan_.new_files_only ? this->core().clock().getTimeMillis() : 0);
  }
  std::string paramsToString() const override {
    return scan_.new_files_only ? scan_.directory : scan_.directory + ", newFilesOnly false";
  }
  /// Where it reads is not the graph's shape: a restarted program may read another directory.
  std::string shapeParams() const override { return {}; }
  std::unique_ptr<NodeStateBase> makeState(Time zero_time, Duration remember,
                                           StorageLevel level) const override {
    return std::make_unique<FileInputState<T>>(zero_time, remember, level);
  }

 protected:
  std::optional<Rdd<T>> compute(Time time) override {
    std::string description;
    std::vector<FileRecords<T>> files;
    for (const auto& path : filesOfBatch(scan_, selection(), time, description)) {
      FileRecords<T> file;
      try {
        file.records = std::make_shared<const std::vector<T>>(reader_(path));
      } catch (...) {
        file.error = std::current_exception();
      }
      files.push_back(std::move(file));
    }
    this->core().reportInputInfo(time, StreamInputInfo{inputStreamId(), 0, description});
    return Rdd<T>(std::make_shared<FilesRddNode<T>>(this->context().sparkContext().state(),
                                                    std::move(files)));
  }

 private:
  FileSelection& selection() const {
    return static_cast<FileInputState<T>&>(this->state()).selection();
  }

  FileScan scan_;
  Reader reader_;
};

/// Throws IllegalArgumentError naming `operation` for an empty directory name.
FileScan makeFileScan(StreamingContext& ssc, const char* operation, const std::string& directory,
                      FileFilter filter, bool new_files_only);

template <class T>
DStream<T> makeFileStream(StreamingContext& ssc, FileScan scan,
                          typename FileInputNode<T>::Reader reader) {
  auto node = std::make_shared<FileInputNode<T>>(ssc, std::move(scan), std::move(reader));
  return registerInput<FileInputNode<T>, T>(ssc, std::move(node));
}

}  // namespace detail

template <class T, class Reader>
DStream<T> StreamingContext::fileStream(const std::string& directory, Reader reader,
                                        FileFilter filter, bool newFilesOnly) {
  static_assert(std::is_invocable_r_v<std::vector<T>, Reader&, const std::string&>,
                "fileStream<T> expects a reader f(const std::string& path) returning the file's "
                "records as a std::vector<T>");
  auto scan = detail::makeFileScan(*this, "fileStream", directory, std::move(filter), newFilesOnly);
  return detail::makeFileStream<T>(*this, std::move(scan), std::move(reader));
}

}  // namespace ember
