// Kafka to Kafka, exactly once: each batch's word counts are written to the topic "counts" by a
// transactional KafkaSink, in one Kafka transaction with the input offsets the batch consumed
// (committed for the group), so a reader with isolation.level=read_committed sees each batch's
// output once, and the group's offsets move with it.
//
//   kafka_exactly_once --brokers HOST:PORT,... --topics T1,T2 [--seconds N]
//   kafka_exactly_once [--seconds N]
//
// Without --brokers it starts librdkafka's mock cluster in-process with topics "words" and
// "counts" and writes sample lines to "words". Each batch prints what it committed.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/kafka.hpp"
#include "example_args.hpp"
#include "kafka_example_args.hpp"

namespace {

constexpr const char* kUsage =
    "usage: kafka_exactly_once [--brokers HOST:PORT,...] [--topics T1,T2] [--seconds N]\n"
    "  --brokers    Kafka's bootstrap servers (the topic \"counts\" must exist); without them,\n"
    "               a mock cluster runs in-process and sample lines are written to \"words\"\n"
    "  --topics     the topics to count (default: words)\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"exactly once", "once and only once"};
constexpr const char* kGroup = "kafka_exactly_once";

int usage(const std::string& error) {
  return ember::examples::printUsage("kafka_exactly_once", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  ember::examples::KafkaArgs kafka;
  if (!ember::examples::takeKafkaArgs(argc, argv, kafka, error)) return usage(error);
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (!args->positional.empty()) return usage("unexpected argument " + args->positional[0]);
  if (kafka.topics.empty()) kafka.topics = {"words"};

  std::unique_ptr<ember::MockKafkaCluster> mock;
  std::atomic<bool> producing{true};
  std::thread producer;
  if (kafka.brokers.empty()) {
    mock = std::make_unique<ember::MockKafkaCluster>(3);
    for (const auto& topic : kafka.topics) mock->createTopic(topic, 2);
    mock->createTopic("counts", 2);
    kafka.brokers = mock->bootstrapServers();
    producer = std::thread([&] {
      for (std::size_t i = 0; producing.load(); ++i) {
        mock->produce(kafka.topics[i % kafka.topics.size()], kSentences[i % kSentences.size()]);
        if (i % 10 == 9) {
          mock->flush();
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
  }

  int status = 0;
  {
    ember::StreamingContext ssc("local[2]", "KafkaExactlyOnce", ember::Seconds(1));
    try {
      ember::KafkaParams kafkaParams = {{"bootstrap.servers", kafka.brokers},
                                        {"group.id", kGroup},
                                        {"auto.offset.reset", "earliest"}};
      auto sink = std::make_shared<ember::KafkaSink>(ember::KafkaParams{
          {"bootstrap.servers", kafka.brokers}, {"transactional.id", "kafka_exactly_once-0"}});
      auto messages = ember::KafkaUtils::createDirectStream<std::string, std::string>(
          ssc, ember::LocationStrategies::PreferConsistent(),
          ember::ConsumerStrategies::Subscribe<std::string, std::string>(kafka.topics,
                                                                         kafkaParams));
      messages.foreachRDD(
          [sink](const ember::Rdd<ember::ConsumerRecord<std::string, std::string>>& rdd,
                 ember::Time time) {
            const auto& ranges = ember::offsetRanges(rdd);
            auto counts = rdd.flatMap([](const ember::ConsumerRecord<std::string, std::string>& r) {
                               return ember::split(r.value(), ' ');
                             })
                              .map([](std::string w) {
                                return std::pair{std::move(w), 1L};
                              })
                              .reduceByKey(std::plus<>{});
            // The records and the consumed offsets commit together, or neither does.
            sink->writeBatch(
                counts,
                [time](const std::pair<std::string, long>& c) {
                  return ember::ProducerRecord{
                      "counts", c.first,
                      std::to_string(time.milliseconds()) + " " + std::to_string(c.second)};
                },
                ranges, kGroup);
            long records = 0;
            for (const auto& r : ranges) records += r.count();
            std::printf(
                "batch %lld: %ld records in, %lld counts out, committed in one transaction\n",
                static_cast<long long>(time.milliseconds()), records,
                static_cast<long long>(counts.count()));
            std::fflush(stdout);
          });
    } catch (const ember::Error& e) {
      producing.store(false);
      if (producer.joinable()) producer.join();
      return usage(e.what());
    }
    status = ember::examples::runContext(ssc, *args);
  }
  producing.store(false);
  if (producer.joinable()) producer.join();
  return status;
}
