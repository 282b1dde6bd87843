#include "ember/io/kafka/kafka_params.hpp"

#include <array>
#include <cstdio>

#include "ember/core/logging.hpp"

#include "ember/io/kafka/kafka_client.hpp"
#include "ember/io/kafka/offset_range.hpp"
#include "rdkafka_handles.hpp"

namespace ember {

namespace detail {

bool isIgnoredJavaParam(const std::string& name) {
  static const std::array<const char*, 4> kJavaOnly = {"key.deserializer", "value.deserializer",
                                                       "key.serializer", "value.serializer"};
  for (const char* java : kJavaOnly) {
    if (name == java) return true;
  }
  return false;
}

RdConf makeRdConf(const KafkaParams& params, const char* operation) {
  RdConf conf(rd_kafka_conf_new());
  // librdkafka's own log lines and errors (a broker that refuses a connection, retried by
  // librdkafka) go to ember's log at debug level: the streams report what they do about them.
  rd_kafka_conf_set_log_cb(
      conf.get(), [](const rd_kafka_t*, int level, const char* facility, const char* message) {
        logger()->debug("librdkafka [{}] {}: {}", level, facility, message);
      });
  rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t*, int err, const char* reason, void*) {
    logger()->debug("librdkafka error {}: {}",
                    rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
  });
  char reason[512];
  for (const auto& [name, given] : params) {
    if (isIgnoredJavaParam(name)) continue;
    // Kafka's "none" is librdkafka's "error": no reset, the position is reported as an error.
    std::string value = name == "auto.offset.reset" && given == "none" ? "error" : given;
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), reason, sizeof reason) !=
        RD_KAFKA_CONF_OK) {
      throw IllegalArgumentError(std::string(operation) + ": kafkaParams \"" + name + "\" = \"" +
                                 given + "\" is not allowed: " + reason);
    }
  }
  return conf;
}

RdKafka makeRdKafka(rd_kafka_type_t type, RdConf conf, const char* operation) {
  char reason[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), reason, sizeof reason);
  if (rk == nullptr) {
    throw IllegalArgumentError(std::string(operation) + ": kafkaParams refused: " + reason);
  }
  conf.release();  // rd_kafka_new owns it now
  return RdKafka(rk);
}

std::string describeKafkaError(const std::string& what, rd_kafka_resp_err_t err) {
  return what + " (" + rd_kafka_err2name(err) + ": " + rd_kafka_err2str(err) + ")";
}

}  // namespace detail

void checkKafkaParams(const KafkaParams& params, const char* operation) {
  auto servers = params.find("bootstrap.servers");
  if (servers == params.end() || servers->second.empty()) {
    throw IllegalArgumentError(std::string(operation) +
                               ": kafkaParams must give \"bootstrap.servers\" (host:port,...)");
  }
  if (auto reset = params.find("auto.offset.reset"); reset != params.end()) {
    const std::string& v = reset->second;
    if (v != "earliest" && v != "latest" && v != "none") {
      throw IllegalArgumentError(std::string(operation) +
                                 ": kafkaParams \"auto.offset.reset\" = \"" + v +
                                 "\" is not allowed: use earliest, latest or none");
    }
  }
  if (auto commit = params.find("enable.auto.commit");
      commit != params.end() && commit->second != "false" && commit->second != "true") {
    throw IllegalArgumentError(std::string(operation) +
                               ": kafkaParams \"enable.auto.commit\" = \"" + commit->second +
                               "\" is not allowed: use true or false");
  }
  detail::checkConsumerConfig(params, operation);
}

KafkaParams executorKafkaParams(const KafkaParams& params) {
  KafkaParams fixed = params;
  fixed["enable.auto.commit"] = "false";
  fixed["auto.offset.reset"] = "none";
  auto group = params.find("group.id");
  fixed["group.id"] = "spark-executor-" + (group != params.end() ? group->second : "ember");
  return fixed;
}

OffsetRange OffsetRange::create(std::string topic, int partition, std::int64_t fromOffset,
                                std::int64_t untilOffset) {
  if (partition < 0 || fromOffset < 0 || fromOffset > untilOffset) {
    throw IllegalArgumentError("OffsetRange.create: " + topic + "-" + std::to_string(partition) +
                               " [" + std::to_string(fromOffset) + " -> " +
                               std::to_string(untilOffset) +
                               "] is not a range: partition and fromOffset must not be negative "
                               "and fromOffset must not exceed untilOffset");
  }
  return OffsetRange{std::move(topic), partition, fromOffset, untilOffset};
}

std::string OffsetRange::toString() const {
  return "OffsetRange(topic: '" + topic + "', partition: " + std::to_string(partition) +
         ", range: [" + std::to_string(fromOffset) + " -> " + std::to_string(untilOffset) + "])";
}

}  // namespace ember
