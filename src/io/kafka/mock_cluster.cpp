#include "ember/io/kafka/mock_cluster.hpp"

// rdkafka_mock.h needs rdkafka.h first, which rdkafka_handles.hpp includes.
#include "rdkafka_handles.hpp"
// clang-format off
#include <librdkafka/rdkafka_mock.h>
// clang-format on

namespace ember {

struct MockKafkaCluster::Impl {
  detail::RdKafka owner;  // the handle the mock cluster belongs to; destroyed after it
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstraps;
  std::unique_ptr<KafkaSink> producer;
};

MockKafkaCluster::MockKafkaCluster(int brokers) : impl_(std::make_unique<Impl>()) {
  if (brokers < 1) {
    throw IllegalArgumentError("MockKafkaCluster: brokers must be at least 1, got " +
                               std::to_string(brokers));
  }
  impl_->owner = detail::makeRdKafka(RD_KAFKA_PRODUCER, detail::makeRdConf({}, "MockKafkaCluster"),
                                     "MockKafkaCluster");
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->owner.get(), brokers);
  if (impl_->cluster == nullptr) throw KafkaError("MockKafkaCluster: the brokers did not start");
  impl_->bootstraps = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
  impl_->producer = std::make_unique<KafkaSink>(
      KafkaParams{{"bootstrap.servers", impl_->bootstraps}, {"linger.ms", "1"}});
}

MockKafkaCluster::~MockKafkaCluster() {
  impl_->producer.reset();
  rd_kafka_mock_cluster_destroy(impl_->cluster);
}

const std::string& MockKafkaCluster::bootstrapServers() const {
  return impl_->bootstraps;
}

void MockKafkaCluster::createTopic(const std::string& topic, int partitions,
                                   int replicationFactor) {
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, replicationFactor);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(
        detail::describeKafkaError("MockKafkaCluster: cannot create topic " + topic, err));
  }
}

void MockKafkaCluster::produce(const std::string& topic, const std::string& value,
                               std::optional<std::string> key, int partition) {
  impl_->producer->send(ProducerRecord{topic, std::move(key), value, partition});
}

void MockKafkaCluster::flush() {
  impl_->producer->flush();
}

void MockKafkaCluster::setBrokerDown(int id) {
  if (rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(impl_->cluster, id)) {
    throw KafkaError(
        detail::describeKafkaError("MockKafkaCluster: broker " + std::to_string(id), err));
  }
}

void MockKafkaCluster::setBrokerUp(int id) {
  if (rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(impl_->cluster, id)) {
    throw KafkaError(
        detail::describeKafkaError("MockKafkaCluster: broker " + std::to_string(id), err));
  }
}

}  // namespace ember
