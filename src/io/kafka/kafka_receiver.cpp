#include "ember/io/kafka/kafka_receiver.hpp"

#include <map>

#include "rdkafka_handles.hpp"

namespace ember::detail {

RawKafkaRecord rawOf(const rd_kafka_message_t* m);  // kafka_client.cpp

struct KafkaGroupConsumer::Impl {
  RdKafka rk;
};

KafkaGroupConsumer::KafkaGroupConsumer(const KafkaParams& params,
                                       const std::vector<std::string>& topics)
    : impl_(std::make_unique<Impl>()) {
  KafkaParams conf = params;
  conf["enable.auto.commit"] = "false";  // committed after each block is stored
  conf["enable.partition.eof"] = "false";
  impl_->rk = makeRdKafka(RD_KAFKA_CONSUMER, makeRdConf(conf, "createStream"), "createStream");
  rd_kafka_poll_set_consumer(impl_->rk.get());
  RdPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(impl_->rk.get(), list.get())) {
    throw KafkaError(describeKafkaError("createStream: cannot subscribe", err));
  }
}

KafkaGroupConsumer::~KafkaGroupConsumer() {
  rd_kafka_consumer_close(impl_->rk.get());
}

std::vector<RawKafkaRecord> KafkaGroupConsumer::poll(std::size_t max, std::int64_t timeout_ms) {
  std::vector<RawKafkaRecord> out;
  int wait = static_cast<int>(timeout_ms);
  while (out.size() < max) {
    RdMessage m(rd_kafka_consumer_poll(impl_->rk.get(), wait));
    if (!m) break;
    wait = 0;  // after the first: only what is already here
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back(rawOf(m.get()));
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
               (m->err == RD_KAFKA_RESP_ERR__FATAL ||
                m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)) {
      throw KafkaError(std::string("Kafka receiver: ") + rd_kafka_message_errstr(m.get()));
    }
  }
  return out;
}

void KafkaGroupConsumer::commit(const std::vector<RawKafkaRecord>& records) {
  std::map<TopicPartition, std::int64_t> next;
  for (const auto& r : records) {
    auto& offset = next[TopicPartition{r.topic, r.partition}];
    offset = std::max(offset, r.offset + 1);
  }
  RdPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [tp, offset] : next) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  if (rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk.get(), list.get(), 0)) {
    throw KafkaError(describeKafkaError("Kafka receiver: offset commit failed", err));
  }
}

}  // namespace ember::detail
