// Not a test itself: kafka_crash_test starts it, kills it, and asserts on what it writes.
// The guide's stateful word count with Kafka as the source: a direct stream of one topic,
// recoverable with getOrCreate, on the system clock. After each batch it writes the running
// counts to an output file (atomically: a temporary file renamed), which the test reads.
//
//   kafka_crash_wordcount <brokers> <topic> <checkpoint-dir> <output-file> <batch-ms>
//
// EMBER_CRASH_IN_CHECKPOINT_WRITE=n makes the process kill itself (SIGKILL) inside its n-th
// checked-file write, after the data is synced and before the rename, as a power cut would.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/kafka.hpp"
#include "ember/streaming/detail/checked_file.hpp"

namespace {

void writeAtomically(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
  }
  std::rename(temp.c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: kafka_crash_wordcount <brokers> <topic> <checkpoint-dir> <output-file> "
                 "<batch-ms>\n";
    return 2;
  }
  const std::string brokers = argv[1];
  const std::string topic = argv[2];
  const std::string checkpoint = argv[3];
  const std::string output = argv[4];
  const std::int64_t batch_ms = std::stoll(argv[5]);

  if (const char* n = std::getenv("EMBER_CRASH_IN_CHECKPOINT_WRITE")) {
    static std::atomic<int> left{std::atoi(n)};
    ember::detail::setCheckedFileWriteHook([](const std::string&) {
      if (left.fetch_sub(1) == 1) ::kill(::getpid(), SIGKILL);
    });
  }

  auto create = [&] {
    ember::Conf conf;
    conf.setMaster("local[2]").setAppName("kafka_crash_wordcount");
    auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Milliseconds(batch_ms));
    ssc->checkpoint(checkpoint);
    ember::KafkaParams params = {{"bootstrap.servers", brokers},
                                 {"group.id", "kafka_crash_wordcount"},
                                 {"auto.offset.reset", "earliest"}};
    auto stream = ember::KafkaUtils::createDirectStream<std::string, std::string>(
        *ssc, ember::LocationStrategies::PreferConsistent(),
        ember::ConsumerStrategies::Subscribe<std::string, std::string>({topic}, params));
    auto words = stream.flatMap([](const ember::ConsumerRecord<std::string, std::string>& r) {
      return ember::split(r.value(), ' ');
    });
    auto counts = words.map([](std::string w) {
                         return std::pair{std::move(w), 1L};
                       })
                      .updateStateByKey(
                          [](const std::vector<long>& values, const std::optional<long>& state) {
                            long sum = state.value_or(0);
                            for (long v : values) sum += v;
                            return std::optional<long>(sum);
                          });
    counts.checkpoint(ember::Milliseconds(batch_ms * 3));
    counts.foreachRDD(
        [output](const ember::Rdd<std::pair<std::string, long>>& rdd, ember::Time time) {
          auto rows = rdd.collect();
          std::map<std::string, long> sorted(rows.begin(), rows.end());
          std::string text = std::to_string(time.milliseconds()) + "\n";
          for (const auto& [word, count] : sorted)
            text += word + " " + std::to_string(count) + "\n";
          writeAtomically(output, text);
        });
    return ssc;
  };
  auto ssc = ember::StreamingContext::getOrCreate(checkpoint, create);
  ssc->start();
  ssc->awaitTermination();
  return 0;
}
