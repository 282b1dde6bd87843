#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/io/mqtt/mqtt_options.hpp"
#include "ember/io/mqtt/mqtt_receiver.hpp"
#include "ember/io/receiver_stream.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

/// Spark's MQTTUtils (spark-streaming-mqtt 1.x, Apache Bahir 2.x): input streams from an MQTT
/// broker. Link ember::mqtt. Each throws IllegalArgumentError for a broker URL, topic or option
/// that is not allowed, naming it, and what receiverStream throws.
class MQTTUtils {
 public:
  /// The payloads of the messages published to `topic` (a topic filter: '+' and '#' wildcards
  /// allowed), subscribed at QoS 1 with a clean session, as Bahir's defaults.
  static DStream<std::string> createStream(
      StreamingContext& ssc, const std::string& brokerUrl, const std::string& topic,
      StorageLevel storageLevel = StorageLevel::MEMORY_AND_DISK_SER_2) {
    return createStream(ssc, brokerUrl, topic, storageLevel, MQTTOptions{});
  }
  /// As above, subscribed at `qos` (0, 1 or 2).
  static DStream<std::string> createStream(StreamingContext& ssc, const std::string& brokerUrl,
                                           const std::string& topic, StorageLevel storageLevel,
                                           int qos) {
    MQTTOptions options;
    options.qos = qos;
    return createStream(ssc, brokerUrl, topic, storageLevel, options);
  }
  /// As above, with every connection setting of Bahir's createStream (MQTTOptions).
  static DStream<std::string> createStream(StreamingContext& ssc, const std::string& brokerUrl,
                                           const std::string& topic, StorageLevel storageLevel,
                                           MQTTOptions options) {
    return ssc.receiverStream<std::string>(std::make_shared<MQTTReceiver<std::string>>(
        brokerUrl, std::vector<std::string>{topic}, storageLevel, std::move(options)));
  }
  /// (topic, payload) of the messages published to any of `topics` (Bahir's
  /// createPairedStream).
  static DStream<std::pair<std::string, std::string>> createPairedStream(
      StreamingContext& ssc, const std::string& brokerUrl, const std::vector<std::string>& topics,
      StorageLevel storageLevel = StorageLevel::MEMORY_AND_DISK_SER_2, MQTTOptions options = {}) {
    using Pair = std::pair<std::string, std::string>;
    return ssc.receiverStream<Pair>(
        std::make_shared<MQTTReceiver<Pair>>(brokerUrl, topics, storageLevel, std::move(options)));
  }
};

}  // namespace ember
