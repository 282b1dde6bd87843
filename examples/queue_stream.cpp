// Spark's QueueStream example: RDDs of 1..1000 pushed into a queue while the context runs; each
// batch counts its numbers by last digit, so every batch prints (0,100) ... (9,100).
//
//   queue_stream [--seconds N]   (default 4: the 1-second batches of about four pushes)
//   queue_stream --help          prints the usage and exits 0

#include <chrono>
#include <iostream>
#include <memory>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"

namespace {
constexpr const char* kUsage =
    "usage: queue_stream [--seconds N]\n"
    "  --seconds N  push RDDs and run for N seconds (default: 4)\n";
}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (args && args->help) return ember::examples::printHelp(kUsage);
  if (args && !args->positional.empty()) error = "unexpected argument " + args->positional[0];
  if (!args || !error.empty()) return ember::examples::printUsage("queue_stream", kUsage, error);
  const std::int64_t seconds = args->seconds.value_or(4);

  ember::StreamingContext ssc("local[2]", "QueueStream", ember::Seconds(1));
  auto rddQueue = std::make_shared<ember::RddQueue<int>>();

  // Create the QueueInputDStream and use it do some processing.
  auto inputStream = ssc.queueStream(rddQueue);
  auto mappedStream = inputStream.map([](int x) { return std::pair{x % 10, 1}; });
  auto reducedStream = mappedStream.reduceByKey(std::plus<>{});
  reducedStream.print();
  ssc.start();
  ember::examples::printUiUrl(ssc);

  // Create and push some RDDs into the queue, one a second, as Spark's example does.
  std::vector<int> numbers(1000);
  std::iota(numbers.begin(), numbers.end(), 1);
  for (std::int64_t i = 0; i < seconds; ++i) {
    rddQueue->push(ssc.sparkContext().parallelize(numbers, 10));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  ssc.stop(true, true);
  return 0;
}
