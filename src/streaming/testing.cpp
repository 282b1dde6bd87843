#include "ember/testing.hpp"

namespace ember::testing {

namespace {
std::mutex g_master_mutex;
std::string g_master = "local[2]";
}  // namespace

std::string defaultMaster() {
  std::lock_guard lock(g_master_mutex);
  return g_master;
}

void setDefaultMaster(std::string master) {
  std::lock_guard lock(g_master_mutex);
  g_master = std::move(master);
}

namespace detail {

Conf testConf() {
  Conf conf;
  conf.setMaster(defaultMaster())
      .setAppName("runOperation")
      .set("spark.streaming.clock", "ManualClock")
      // Operator tests start thousands of short contexts: no web server for each.
      .set("spark.ui.enabled", "false");
  return conf;
}

void runBatches(StreamingContext& ssc, std::size_t numBatches) {
  auto& clock = dynamic_cast<ManualClock&>(ssc.clock());
  auto& core = ssc.core();
  ssc.start();
  const std::int64_t d = ssc.batchDuration().milliseconds();
  for (std::size_t i = 1; i <= numBatches; ++i) {
    clock.advance(d);
    Time time = Time(static_cast<std::int64_t>(i) * d);
    bool processed = core.awaitBatchProcessed(time, 120'000);
    if (auto error = core.firstError()) {
      ssc.stop(true, false);
      std::rethrow_exception(error);
    }
    if (!processed) {
      ssc.stop(true, false);
      throw Error("runOperation: batch " + time.toString() + " did not finish within 120 s");
    }
  }
  ssc.stop(true, false);
}

}  // namespace detail
}  // namespace ember::testing
