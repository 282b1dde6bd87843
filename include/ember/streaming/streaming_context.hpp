#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/engine.hpp"
#include "ember/core/storage_level.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/receiver.hpp"
#include "ember/streaming/streaming_core.hpp"

namespace ember {

template <class T>
class DStream;
template <class T>
class RddQueue;
namespace ui {
class StreamingUi;
}

/// Which files of its directory a file stream looks at: called with each file's path.
using FileFilter = std::function<bool(const std::string& path)>;

/// The entry point of a streaming program (Spark's StreamingContext): it makes input streams,
/// holds the graph of streams and output operations, and runs one batch every batchDuration
/// from start() until stop().
///
/// Life cycle as Spark's: streams and outputs are defined before start(); start() refuses a
/// context without output operations; one context is active per process; a stopped context
/// cannot be started again. The context must outlive the streams made from it. Not movable:
/// streams point back at it.
///
/// Configuration read: `spark.master`, `spark.app.name`, `spark.streaming.clock`
/// (`ManualClock` or `org.apache.spark.util.ManualClock` for a manual clock),
/// `spark.streaming.receiverRestartDelay` (ms, 2000), `spark.streaming.blockInterval` (200ms),
/// `spark.streaming.blockQueueSize` (10 blocks per receiver), `spark.streaming.receiver.maxRate`
/// (records per second per receiver; unset, 0 or negative: unlimited),
/// `spark.streaming.backpressure.enabled` (false), `spark.streaming.backpressure.initialRate`
/// (unset: maxRate), `spark.streaming.backpressure.rateEstimator` (only `pid`),
/// `spark.streaming.backpressure.pid.proportional` / `.integral` / `.derived` / `.minRate`
/// (1.0 / 0.2 / 0.0 / 100),
/// `spark.streaming.gracefulStopTimeout` (10 batches), `spark.streaming.stopSparkContextByDefault`
/// (true), `spark.streaming.unpersist` (true), `spark.streaming.concurrentJobs` (1: output jobs of
/// that many batches run at once), `spark.streaming.stopGracefullyOnShutdown` (false:
/// when true, SIGINT or SIGTERM stops the active context gracefully before the process ends),
/// `spark.streaming.fileStream.minRememberDuration` (60s; also read under its older name
/// `spark.streaming.minRememberDuration`; a bare number is seconds: how far back a file
/// stream looks for new files and remembers the files it took, rounded up to whole batches),
/// `spark.ui.enabled` (true: start() serves the Streaming page, its JSON API and /metrics),
/// `spark.ui.port` (4040; the next free port when taken, up to `spark.port.maxRetries`, 16,
/// tries; 0: a port the system chooses), `spark.ui.host` (127.0.0.1),
/// `spark.streaming.ui.retainedBatches` (1000), `spark.ui.showConsoleProgress` (on when standard
/// output and standard error are terminals: a status line redrawn on standard error).
class StreamingContext {
 public:
  /// Throws IllegalArgumentError for a malformed master or a batch duration that is not positive.
  StreamingContext(const Conf& conf, Duration batchDuration);
  StreamingContext(const std::string& master, const std::string& appName, Duration batchDuration);
  /// Builds on an existing engine (Spark's StreamingContext(sparkContext, batchDuration)).
  StreamingContext(Engine engine, Duration batchDuration);
  /// Stops the context if it is still running (without stopping gracefully).
  ~StreamingContext();
  StreamingContext(const StreamingContext&) = delete;
  StreamingContext& operator=(const StreamingContext&) = delete;

  Engine sparkContext() const { return core_->engine(); }
  const Conf& conf() const { return core_->conf(); }
  Duration batchDuration() const { return core_->batchDuration(); }
  StreamingContextState getState() const { return core_->state(); }
  /// The clock batches are timed by: a ManualClock when spark.streaming.clock names one.
  Clock& clock() { return core_->clock(); }
  /// The web UI's address ("http://127.0.0.1:4040") while it runs: from start() to stop(), when
  /// spark.ui.enabled (Spark's sc.uiWebUrl).
  std::optional<std::string> uiWebUrl() const;

  /// Throws IllegalStateError when the context was stopped or another context is active, and
  /// IllegalArgumentError when no output operation was registered ("No output operations
  /// registered, so nothing to execute"), a stream cannot run as defined or a spark.ui.* setting
  /// is malformed; IoError when the web UI cannot bind a port. A second start() of an active
  /// context only logs a warning.
  void start();
  /// Stops receiving and processing. Idempotent, allowed before start(). With stopGracefully,
  /// waits for received data to be processed (up to spark.streaming.gracefulStopTimeout).
  void stop(bool stopSparkContext = true, bool stopGracefully = false);
  /// Blocks until the context stops; rethrows the error of a failed batch or a failed job
  /// generation, which ends the wait.
  void awaitTermination();
  /// As awaitTermination, for at most timeoutMs; returns true if the context stopped.
  bool awaitTerminationOrTimeout(std::int64_t timeoutMs);

  /// Checkpoints to `directory` (made if missing): a metadata checkpoint after each batch is
  /// generated and after it completes, and the RDDs of stateful streams (and of streams given
  /// DStream::checkpoint) at their checkpoint interval, so that getOrCreate() can go on after a
  /// crash. Throws IllegalStateError after start(), IllegalArgumentError for an empty name and
  /// IoError when the directory cannot be made.
  void checkpoint(const std::string& directory);

  /// Every stream keeps the RDDs it generated at least this long. Throws IllegalStateError after
  /// start().
  void remember(Duration duration);
  void addStreamingListener(std::shared_ptr<StreamingListener> listener);
  void removeStreamingListener(const std::shared_ptr<StreamingListener>& listener);

  // Input streams (definitions in io/).
  /// Lines of text from a TCP server; reconnects with backoff when the server is down or goes
  /// away. Throws IllegalArgumentError for a port outside 1-65535 or an empty host.
  DStream<std::string> socketTextStream(
      const std::string& hostname, int port,
      StorageLevel storageLevel = StorageLevel::MEMORY_AND_DISK_SER_2);
  /// Spark's fileStream[LongWritable, Text, TextInputFormat]: the (byte offset, line) pairs of
  /// the new files in `directory` (io/file_stream.hpp says which files a batch takes). `filter`
  /// gets each file's path; an empty one is Spark's default, which rejects names starting with
  /// '.'. With newFilesOnly false, files already there at start are taken too when their
  /// modification time is inside the remember window. Throws IllegalArgumentError for an empty
  /// directory name.
  DStream<std::pair<std::int64_t, std::string>> fileStream(const std::string& directory,
                                                           FileFilter filter = {},
                                                           bool newFilesOnly = true);
  /// fileStream with any record type: `reader(path)` turns one file into its records (a
  /// std::vector<T>), as Spark's input format F does; io/file_readers.hpp has readers for text
  /// lines and fixed-length records. What a reader throws fails the jobs that read its batch.
  /// Throws IllegalArgumentError for an empty directory name.
  template <class T, class Reader>
  DStream<T> fileStream(const std::string& directory, Reader reader, FileFilter filter = {},
                        bool newFilesOnly = true);
  /// Records that `converter` reads from a TCP server (Spark's socketStream). The converter is
  /// called once per connection as converter(ember::SocketInput& in, auto& emit): it reads the
  /// connection's bytes from `in` (read() and readFully() return 0 / false at the end of the
  /// stream and once the receiver stops) and calls emit(record) with each T, which stores it as
  /// a single record. When it returns the receiver reconnects; an exception it throws is
  /// reported and the receiver reconnects too. A converter of another shape is a compile error.
  /// Definition in io/socket_stream.hpp. Throws IllegalArgumentError for a port outside 1-65535
  /// or an empty host.
  template <class T, class F>
  DStream<T> socketStream(const std::string& hostname, int port, F converter,
                          StorageLevel storageLevel);
  /// Records a TCP server sends pre-serialized in blocks (Spark's rawSocketStream): each block
  /// is a 4-byte big-endian length and that many bytes of serializeToString(std::vector<T>),
  /// stored as one block. Definition in io/raw_socket_stream.hpp. Throws IllegalArgumentError
  /// for a port outside 1-65535 or an empty host.
  template <class T>
  DStream<T> rawSocketStream(const std::string& hostname, int port,
                             StorageLevel storageLevel = StorageLevel::MEMORY_AND_DISK_SER_2);
  /// Lines of the files that appear (by atomic move) in `directory` after start(). A file is new
  /// by its modification time, which the system stamps from a clock that can lag the wall clock
  /// by a few milliseconds: a file moved in within that lag after start() can look older than
  /// the start and is then ignored, as in Spark. Throws IllegalArgumentError for an empty
  /// directory name.
  DStream<std::string> textFileStream(const std::string& directory);
  /// The new files of `directory` cut into records of recordLength bytes (Spark's
  /// binaryRecordsStream, with Array[Byte] as std::vector<std::uint8_t>). A file whose length is
  /// not a multiple of recordLength fails its batch with an IoError naming the file. Throws
  /// IllegalArgumentError for an empty directory name or a recordLength that is not positive.
  DStream<std::vector<std::uint8_t>> binaryRecordsStream(const std::string& directory,
                                                         int recordLength);
  /// One RDD per batch from the queue (oneAtATime), or the union of all that is queued; when the
  /// queue is empty, defaultRDD or an empty RDD.
  template <class T>
  DStream<T> queueStream(std::shared_ptr<RddQueue<T>> queue, bool oneAtATime = true,
                         std::optional<Rdd<T>> defaultRDD = std::nullopt);
  template <class T>
  DStream<T> queueStream(std::vector<Rdd<T>> rdds, bool oneAtATime = true,
                         std::optional<Rdd<T>> defaultRDD = std::nullopt);
  /// A stream fed by a user receiver. Throws IllegalArgumentError for a null receiver or a
  /// receiver setting that is not allowed (spark.streaming.blockInterval or blockQueueSize not
  /// positive, a rate that is not a whole number, a bad backpressure setting).
  template <class T>
  DStream<T> receiverStream(std::shared_ptr<Receiver<T>> receiver);
  /// The same for a receiver class derived from Receiver<T> (as `new CustomReceiver(...)` in
  /// Spark): T is its record type.
  template <class R, class T = typename R::record_type>
  DStream<T> receiverStream(std::shared_ptr<R> receiver);

  /// The union of streams of one slide. Throws IllegalArgumentError for an empty list or
  /// different slides. A batch at which one of the streams has no RDD fails (its generation
  /// throws Error, rethrown by awaitTermination), as in Spark.
  template <class T>
  DStream<T> union_(const std::vector<DStream<T>>& streams);
  /// One RDD per batch from the RDDs of several streams: f(const std::vector<Rdd<T>>&, Time).
  /// Throws IllegalArgumentError for an empty list or different slides; a batch at which one of
  /// the streams has no RDD fails, as with union_.
  template <class T, class F>
  auto transform(const std::vector<DStream<T>>& streams, F f);

  /// A context that goes on from the newest checkpoint in `checkpointPath`, or a new one
  /// (Spark's getOrCreate). creatingFunc builds the program's streams either way (closures are
  /// code, not data); when a checkpoint exists the graph it built must have the checkpoint's
  /// shape, and start() then restores the streams' state, window contents and input positions
  /// and runs, before any new batch, the batches the checkpoint left pending and those the
  /// process was down for. A torn or corrupt newest checkpoint is skipped, with a warning, for
  /// the one before. Throws CheckpointError when the directory's checkpoints cannot be used (a
  /// foreign or newer-format file, every file corrupt, another batch duration, a graph of
  /// another shape, naming the first stream that differs), unless createOnError, which then
  /// returns the new context instead; IllegalArgumentError when creatingFunc returns null; and
  /// what creatingFunc throws.
  static std::unique_ptr<StreamingContext> getOrCreate(
      const std::string& checkpointPath,
      const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc,
      bool createOnError = false);
  /// The active context, or else getOrCreate(checkpointPath, creatingFunc, createOnError), kept
  /// until the end of the process. Throws what getOrCreate throws.
  static StreamingContext& getActiveOrCreate(
      const std::string& checkpointPath,
      const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc,
      bool createOnError = false);

  /// The context started in this process and not yet stopped, or nullptr.
  static StreamingContext* getActive();
  /// The active context, or else the one creatingFunc makes, which is then kept until the end of
  /// the process (Spark's getActiveOrCreate). Rethrows what creatingFunc throws.
  static StreamingContext& getActiveOrCreate(
      const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc);

  /// Whether getOrCreate() found a checkpoint to go on from (the factory runs either way, so
  /// this is how a program tells a restart from a first run).
  bool restoredFromCheckpoint() const { return core_->restoredFromCheckpoint(); }

  detail::StreamingCore& core() { return *core_; }

 private:
  void startUi();
  void stopUi() noexcept;

  std::unique_ptr<detail::StreamingCore> core_;
  std::unique_ptr<ui::StreamingUi> ui_;  // from start() to stop(), when spark.ui.enabled
  bool owns_engine_ = false;             // made from a Conf: the engine is the context's to stop
};

}  // namespace ember
