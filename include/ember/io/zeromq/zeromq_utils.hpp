#pragma once

#include <memory>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/io/receiver_stream.hpp"
#include "ember/io/zeromq/zeromq_receiver.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {
template <class T, class F>
struct ZeroMQRecordType {
  using type = T;
};
/// Without an explicit record type, the records are what bytesToObjects' range holds.
template <class F>
struct ZeroMQRecordType<void, F> {
  static_assert(FramesToRange<F>,
                "ZeroMQUtils::createStream: with an emitter-form bytesToObjects, name the record "
                "type: createStream<T>(ssc, url, subscribe, f)");
  using type = std::remove_cvref_t<
      std::ranges::range_value_t<std::invoke_result_t<F&, const std::vector<std::string>&>>>;
};
}  // namespace detail

/// Spark's ZeroMQUtils (spark-streaming-zeromq, 1.x): input streams from ZeroMQ publishers.
/// Link ember::zeromq.
class ZeroMQUtils {
 public:
  /// An input stream of the records bytesToObjects makes of each message a SUB socket connected
  /// to `publisherUrl` (e.g. "tcp://127.0.0.1:5555", "ipc:///tmp/feed") receives for the topic
  /// prefix `subscribe` ("" for all). bytesToObjects gets the message's frames after the topic
  /// frame, and either returns a range of records (T is then its element type unless given) or
  /// takes an emitter as second argument (T must then be given). See ZeroMQReceiver.
  /// Throws IllegalArgumentError for a URL ZeroMQ cannot connect to, and what receiverStream
  /// throws.
  template <class T = void, class F>
  static DStream<typename detail::ZeroMQRecordType<T, F>::type> createStream(
      StreamingContext& ssc, const std::string& publisherUrl, const std::string& subscribe,
      F bytesToObjects, StorageLevel storageLevel = StorageLevel::MEMORY_AND_DISK_SER_2) {
    using R = typename detail::ZeroMQRecordType<T, F>::type;
    auto receiver = std::make_shared<ZeroMQReceiver<R, F>>(publisherUrl, subscribe,
                                                           std::move(bytesToObjects), storageLevel);
    return ssc.receiverStream<R>(std::move(receiver));
  }
};

}  // namespace ember
