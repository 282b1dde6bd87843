#pragma once

// Small owners of librdkafka's C handles and the translation of kafkaParams into a librdkafka
// configuration, shared by the client, the sink and the receiver.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "ember/io/kafka/kafka_params.hpp"

namespace ember::detail {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using RdKafka = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using RdConf = std::unique_ptr<rd_kafka_conf_t, RdKafkaDeleter>;
using RdPartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaDeleter>;
using RdQueue = std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter>;
using RdMessage = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter>;

/// True for the Java-only names kafkaParams may carry and librdkafka does not know.
bool isIgnoredJavaParam(const std::string& name);

/// A librdkafka configuration holding `params` (ignored Java names left out; auto.offset.reset
/// "none" written as librdkafka's "error"). Throws IllegalArgumentError naming the parameter
/// librdkafka refuses, prefixed with `operation`.
RdConf makeRdConf(const KafkaParams& params, const char* operation);

/// A consumer or producer handle from `conf` (which it takes). Throws IllegalArgumentError with
/// librdkafka's reason.
RdKafka makeRdKafka(rd_kafka_type_t type, RdConf conf, const char* operation);

/// "<operation>: <what> (<librdkafka's name of err>)".
std::string describeKafkaError(const std::string& what, rd_kafka_resp_err_t err);

}  // namespace ember::detail
