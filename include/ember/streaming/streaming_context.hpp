#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
/// when true, SIGINT or SIGTERM stops the active context gracefully before the process ends).
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

  /// Throws IllegalStateError when the context was stopped or another context is active, and
  /// IllegalArgumentError when no output operation was registered ("No output operations
  /// registered, so nothing to execute") or a stream cannot run as defined. A second start() of
  /// an active context only logs a warning.
  void start();
  /// Stops receiving and processing. Idempotent, allowed before start(). With stopGracefully,
  /// waits for received data to be processed (up to spark.streaming.gracefulStopTimeout).
  void stop(bool stopSparkContext = true, bool stopGracefully = false);
  /// Blocks until the context stops; rethrows the error of a failed batch or a failed job
  /// generation, which ends the wait.
  void awaitTermination();
  /// As awaitTermination, for at most timeoutMs; returns true if the context stopped.
  bool awaitTerminationOrTimeout(std::int64_t timeoutMs);

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
  /// Lines of the files that appear (by atomic move) in `directory` after start(). Throws
  /// IllegalArgumentError for an empty directory name.
  DStream<std::string> textFileStream(const std::string& directory);
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
  /// different slides.
  template <class T>
  DStream<T> union_(const std::vector<DStream<T>>& streams);
  /// One RDD per batch from the RDDs of several streams: f(const std::vector<Rdd<T>>&, Time).
  template <class T, class F>
  auto transform(const std::vector<DStream<T>>& streams, F f);

  /// The context started in this process and not yet stopped, or nullptr.
  static StreamingContext* getActive();
  /// The active context, or else the one creatingFunc makes, which is then kept until the end of
  /// the process (Spark's getActiveOrCreate). Rethrows what creatingFunc throws.
  static StreamingContext& getActiveOrCreate(
      const std::function<std::unique_ptr<StreamingContext>()>& creatingFunc);

  detail::StreamingCore& core() { return *core_; }

 private:
  std::unique_ptr<detail::StreamingCore> core_;
  bool owns_engine_ = false;  // made from a Conf: the engine is the context's to stop
};

}  // namespace ember
