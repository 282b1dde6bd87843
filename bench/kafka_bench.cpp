// Kafka → word count → Kafka, on librdkafka's mock cluster (three brokers, in-process, over
// loopback TCP), against librdkafka's own consumer loop reading the same topic.
//
//   kafka_bench [--records=N] [--rate=R] [--seconds=S] [--master=local[K]]
//
// 1. Throughput: N lines (five words each) are written to topic "words" (3 partitions) first.
//    baseline: one hand-written librdkafka consumer, assigned all partitions from the start,
//    polls every record and counts its words in a hash map; records/s until the last one.
//    ember: a direct stream at 100 ms batches, word count (reduceByKey), each batch's counts
//    written by an idempotent KafkaSink (flushed before the batch ends); records/s from start
//    until every record was in a completed batch. Both read the same records from the same
//    cluster; the ratio is what counts (docs/PERFORMANCE.md).
// 2. Latency: R lines a second for S seconds, produced as the stream runs; each record's
//    latency is the end of its batch's output (sink flushed) minus the record's Kafka timestamp.
//    p50 and p99 are printed.

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"
#include "ember/kafka.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string line(std::size_t i) {
  static const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta", "epsilon",
                                                 "zeta",  "eta",  "theta", "iota",  "kappa"};
  std::string out;
  for (std::size_t j = 0; j < 5; ++j) {
    if (j) out += ' ';
    out += words[(i * 7 + j * 3) % words.size()];
  }
  return out;
}

void produceLines(ember::MockKafkaCluster& cluster, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    cluster.produce("words", line(i), std::nullopt, static_cast<int>(i % 3));
  }
  cluster.flush();
}

/// librdkafka's own consumer loop: assign all three partitions at the beginning, poll until
/// `records` were read, count words. Returns records/s.
double baseline(const std::string& brokers, std::int64_t records) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "kafka_bench_baseline", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) ember::bench::failRun("kafka_bench", err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(3);
  for (int p = 0; p < 3; ++p) {
    rd_kafka_topic_partition_list_add(list, "words", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  auto start = SteadyClock::now();
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::unordered_map<std::string, long> counts;
  std::int64_t seen = 0;
  while (seen < records) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string_view value(static_cast<const char*>(m->payload), m->len);
      std::size_t pos = 0;
      while (pos <= value.size()) {
        std::size_t space = value.find(' ', pos);
        if (space == std::string_view::npos) space = value.size();
        ++counts[std::string(value.substr(pos, space - pos))];
        pos = space + 1;
      }
      ++seen;
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return static_cast<double>(records) / seconds;
}

/// Completed batches' records, and the latencies of records (when asked).
struct Progress : ember::StreamingListener {
  std::mutex mutex;
  std::int64_t records = 0;
  std::int64_t batches = 0;
  std::int64_t max_processing_ms = 0;
  void onBatchCompleted(const ember::StreamingListenerBatchCompleted& e) override {
    std::lock_guard lock(mutex);
    records += e.batchInfo.numRecords();
    if (e.batchInfo.numRecords() > 0) ++batches;
    max_processing_ms = std::max(max_processing_ms, e.batchInfo.processingDelay().value_or(0));
  }
  std::int64_t done() {
    std::lock_guard lock(mutex);
    return records;
  }
};

struct Latencies {
  std::mutex mutex;
  std::vector<std::int64_t> ms;
};

/// The ember job: direct stream → word count → KafkaSink. Returns the context (started).
std::unique_ptr<ember::StreamingContext> startJob(const std::string& brokers,
                                                  std::shared_ptr<Progress> progress,
                                                  std::shared_ptr<Latencies> latencies,
                                                  const std::string& group,
                                                  const std::string& reset,
                                                  const std::string& master) {
  ember::Conf conf;
  conf.setMaster(master).setAppName("kafka_bench");
  auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Milliseconds(100));
  ssc->addStreamingListener(progress);
  ember::KafkaParams params = {
      {"bootstrap.servers", brokers}, {"group.id", group}, {"auto.offset.reset", reset}};
  auto sink = std::make_shared<ember::KafkaSink>(
      ember::KafkaParams{{"bootstrap.servers", brokers}, {"linger.ms", "1"}});
  auto stream = ember::KafkaUtils::createDirectStream<std::string, std::string>(
      *ssc, ember::LocationStrategies::PreferConsistent(),
      ember::ConsumerStrategies::Subscribe<std::string, std::string>({"words"}, params));
  stream.foreachRDD(
      [sink, latencies](const ember::Rdd<ember::ConsumerRecord<std::string, std::string>>& rdd) {
        auto records = rdd.persist(ember::StorageLevel::MEMORY_ONLY);
        auto counts = records
                          .flatMap([](const ember::ConsumerRecord<std::string, std::string>& r) {
                            return ember::split(r.value(), ' ');
                          })
                          .map([](std::string w) {
                            return std::pair{std::move(w), 1L};
                          })
                          .reduceByKey(std::plus<>{});
        sink->writeBatch(counts, [](const std::pair<std::string, long>& c) {
          return ember::ProducerRecord{"counts", c.first, std::to_string(c.second)};
        });
        if (latencies) {
          auto stamps = records
                            .map([](const ember::ConsumerRecord<std::string, std::string>& r) {
                              return r.timestamp();
                            })
                            .collect();
          std::int64_t end = nowMs();
          std::lock_guard lock(latencies->mutex);
          for (auto t : stamps) latencies->ms.push_back(end - t);
        }
        records.unpersist();
      });
  ssc->start();
  return ssc;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t records = 300'000;
  std::int64_t rate = 20'000;
  std::int64_t seconds = 10;
  std::string master = "local[2]";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (auto v = ember::bench::optionValue(arg, "records")) {
      records = std::stoll(*v);
    } else if (auto v2 = ember::bench::optionValue(arg, "rate")) {
      rate = std::stoll(*v2);
    } else if (auto v3 = ember::bench::optionValue(arg, "seconds")) {
      seconds = std::stoll(*v3);
    } else if (auto v4 = ember::bench::optionValue(arg, "master")) {
      master = *v4;
    } else {
      ember::bench::failRun("kafka_bench",
                            "unknown argument " + std::string(arg) +
                                " (allowed: --records=N --rate=R --seconds=S --master=local[K])");
    }
  }

  ember::MockKafkaCluster cluster(3);
  cluster.createTopic("words", 3);
  cluster.createTopic("counts", 3);
  produceLines(cluster, 0, static_cast<std::size_t>(records));
  std::printf("kafka_bench: %lld lines of 5 words in topic words (3 partitions, 3 brokers)\n",
              static_cast<long long>(records));

  double base = baseline(cluster.bootstrapServers(), records);
  std::printf("  librdkafka consumer loop (word count in a hash map): %10.0f records/s\n", base);

  auto progress = std::make_shared<Progress>();
  auto start = SteadyClock::now();
  auto ssc =
      startJob(cluster.bootstrapServers(), progress, nullptr, "kafka_bench_1", "earliest", master);
  while (progress->done() < records) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  ssc->stop(true, false);
  double ours = static_cast<double>(records) / elapsed;
  std::printf(
      "  ember (%s) direct stream -> word count -> KafkaSink, 100 ms batches: %10.0f records/s "
      "(%.2fx the consumer loop)\n",
      master.c_str(), ours, ours / base);
  std::printf("    (%lld non-empty batches, longest processing %lld ms, %.2f s in all)\n",
              static_cast<long long>(progress->batches),
              static_cast<long long>(progress->max_processing_ms), elapsed);

  // Latency at a steady rate: a fresh topic position (latest) and a producer thread.
  auto latencies = std::make_shared<Latencies>();
  auto progress2 = std::make_shared<Progress>();
  auto ssc2 =
      startJob(cluster.bootstrapServers(), progress2, latencies, "kafka_bench_2", "latest", master);
  std::int64_t offset = records;
  std::int64_t produced = 0;
  auto t0 = SteadyClock::now();
  for (std::int64_t tick = 0; tick < seconds * 100; ++tick) {  // every 10 ms
    std::int64_t n = rate / 100;
    produceLines(cluster, static_cast<std::size_t>(offset), static_cast<std::size_t>(offset + n));
    offset += n;
    produced += n;
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(10 * (tick + 1)));
  }
  auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (progress2->done() < produced && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ssc2->stop(true, false);
  std::vector<std::int64_t> ms;
  {
    std::lock_guard lock(latencies->mutex);
    ms = latencies->ms;
  }
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) ember::bench::failRun("kafka_bench", "no latency measured");
  auto pct = [&](double p) {
    return ms[static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1))];
  };
  std::printf(
      "  latency at %lld records/s for %lld s (100 ms batches): p50 %lld ms, p99 %lld ms "
      "(%zu records)\n",
      static_cast<long long>(rate), static_cast<long long>(seconds),
      static_cast<long long>(pct(0.5)), static_cast<long long>(pct(0.99)), ms.size());
  return 0;
}
