#pragma once

// librdkafka's mock Kafka cluster (rdkafka_mock.h) in-process: brokers on loopback ports the OS
// chose, speaking Kafka's protocol over TCP. For examples, benchmarks and tests of programs that
// read or write Kafka, with no broker installed.

#include <memory>
#include <optional>
#include <string>

#include "ember/io/kafka/kafka_sink.hpp"

namespace ember {

class MockKafkaCluster {
 public:
  /// Starts `brokers` brokers (ids 1..brokers). Throws KafkaError when they cannot start.
  explicit MockKafkaCluster(int brokers = 3);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  /// "127.0.0.1:port,...": what bootstrap.servers names.
  const std::string& bootstrapServers() const;
  /// Throws KafkaError when the topic exists or the counts are not allowed.
  void createTopic(const std::string& topic, int partitions, int replicationFactor = 1);
  /// Queues one record through the cluster's own producer (partition -1: by key).
  void produce(const std::string& topic, const std::string& value,
               std::optional<std::string> key = std::nullopt, int partition = -1);
  /// Waits until every record produced was acknowledged; throws KafkaError otherwise.
  void flush();
  /// Broker `id` stops answering (connections refused) or answers again.
  void setBrokerDown(int id);
  void setBrokerUp(int id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember
