#pragma once

// A streaming program on the manual clock with its web UI on a loopback port the system picks,
// and an HTTP client for it, for the UI's tests.

#include <httplib.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "streaming/listener_bus.hpp"

namespace ember_ui_test {

constexpr std::int64_t kTimeoutMs = 20'000;

/// A receiver that stores what the test gives it.
class PushReceiver : public ember::Receiver<std::string> {
 public:
  PushReceiver() : Receiver<std::string>(ember::StorageLevel::MEMORY_ONLY) {}
  void onStart() override {}
  void onStop() override {}
  std::string name() const override { return "PushReceiver"; }
};

/// Names that an HTML page must escape.
inline const std::string kHostileName = "<script>alert(\"app\")</script>'";
inline const std::string kHostileError = "<img src=x onerror=\"alert('op')\">";

/// Three batches: 1000 (2 records), 2000 (1 record, output op 1 fails), 3000 (receiver error
/// reported before it, 0 records).
struct UiProgram {
  std::unique_ptr<ember::StreamingContext> ssc;
  std::shared_ptr<PushReceiver> receiver;

  explicit UiProgram(const std::string& appName = kHostileName, int retained = 1000) {
    ember::Conf conf;
    conf.setMaster("local[2]")
        .setAppName(appName)
        .set("spark.streaming.clock", "ManualClock")
        .set("spark.ui.port", "0")
        .set("spark.streaming.ui.retainedBatches", std::to_string(retained));
    ssc = std::make_unique<ember::StreamingContext>(conf, ember::Seconds(1));
    receiver = std::make_shared<PushReceiver>();
    auto lines = ssc->receiverStream<std::string>(receiver);
    lines.foreachRDD([](const ember::Rdd<std::string>& rdd) { (void)rdd.count(); });
    lines.foreachRDD([](const ember::Rdd<std::string>&, ember::Time t) {
      if (t.milliseconds() == 2000) throw std::runtime_error(kHostileError);
    });
  }

  ember::ManualClock& clock() { return dynamic_cast<ember::ManualClock&>(ssc->clock()); }

  /// Runs the three batches and waits until the listeners saw them.
  void runThreeBatches() {
    ssc->start();
    receiver->store(std::vector<std::string>{"a", "b"});
    advanceTo(1000);
    receiver->store(std::vector<std::string>{"c"});
    advanceTo(2000);
    receiver->reportError("cannot reach <host> \"x\"",
                          std::make_exception_ptr(std::runtime_error("refused & reset")));
    advanceTo(3000);
  }

  void advanceTo(std::int64_t t) {
    clock().setTime(t);
    if (!ssc->core().awaitBatchProcessed(ember::Time(t), kTimeoutMs)) {
      throw std::runtime_error("batch " + std::to_string(t) + " did not finish in time");
    }
    ssc->core().listenerBus().waitUntilEmpty();
  }

  int port() const {
    auto url = ssc->uiWebUrl();
    if (!url) throw std::runtime_error("the UI is not running");
    return std::stoi(url->substr(url->rfind(':') + 1));
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(10, 0);
    return c;
  }

  std::string appId() const { return "local-0"; }
  std::string api() const { return "/api/v1/applications/" + appId() + "/streaming/"; }
};

}  // namespace ember_ui_test
