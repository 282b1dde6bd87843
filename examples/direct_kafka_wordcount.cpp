// The guide's DirectKafkaWordCount: counts the words of the records of Kafka topics, in
// two-second batches, with the direct stream (one RDD partition per topic-partition, offsets
// chosen per batch).
//
//   direct_kafka_wordcount --brokers HOST:PORT,... --topics T1,T2 [--seconds N]
//   direct_kafka_wordcount [--seconds N]
//
// Without --brokers it starts librdkafka's mock cluster in-process (three brokers, topic
// "words" of three partitions) and a producer thread that writes kSentences ten times a second,
// so counts show at once. Without --seconds it runs until killed; with it, it stops gracefully
// after N seconds and exits 0. Bad arguments print the usage and exit 2.

#include <atomic>
#include <chrono>
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
    "usage: direct_kafka_wordcount [--brokers HOST:PORT,...] [--topics T1,T2] [--seconds N]\n"
    "  --brokers    Kafka's bootstrap servers; without them, a mock cluster runs in-process\n"
    "               and a producer writes sample lines to its topic \"words\"\n"
    "  --topics     the topics to count (default: words)\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

int usage(const std::string& error) {
  return ember::examples::printUsage("direct_kafka_wordcount", kUsage, error);
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

  // With no brokers: the mock cluster and a producer thread, for the life of the program.
  std::unique_ptr<ember::MockKafkaCluster> mock;
  std::atomic<bool> producing{true};
  std::thread producer;
  if (kafka.brokers.empty()) {
    mock = std::make_unique<ember::MockKafkaCluster>(3);
    for (const auto& topic : kafka.topics) mock->createTopic(topic, 3);
    kafka.brokers = mock->bootstrapServers();
    producer = std::thread([&] {
      for (std::size_t i = 0; producing.load(); ++i) {
        const std::string& topic = kafka.topics[i % kafka.topics.size()];
        mock->produce(topic, kSentences[i % kSentences.size()]);
        if (i % kSentences.size() == kSentences.size() - 1) {
          mock->flush();
          std::this_thread::sleep_for(std::chrono::milliseconds(100));  // ten rounds a second
        }
      }
    });
  }

  int status = 0;
  {
    ember::StreamingContext ssc("local[2]", "DirectKafkaWordCount", ember::Seconds(2));
    try {
      ember::KafkaParams kafkaParams = {{"bootstrap.servers", kafka.brokers},
                                        {"group.id", "direct_kafka_wordcount"},
                                        {"auto.offset.reset", "earliest"}};
      auto messages = ember::KafkaUtils::createDirectStream<std::string, std::string>(
          ssc, ember::LocationStrategies::PreferConsistent(),
          ember::ConsumerStrategies::Subscribe<std::string, std::string>(kafka.topics,
                                                                         kafkaParams));
      auto lines = messages.map(
          [](const ember::ConsumerRecord<std::string, std::string>& r) { return r.value(); });
      auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
      auto wordCounts = words.map([](std::string word) {
                               return std::pair{std::move(word), 1L};
                             })
                            .reduceByKey(std::plus<>{});
      wordCounts.pprint();
    } catch (const ember::IllegalArgumentError& e) {
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
