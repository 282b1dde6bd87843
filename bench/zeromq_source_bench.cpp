// Records/s through ZeroMQUtils::createStream on loopback, against a hand-written SUB loop
// reading the same messages (the baseline), in one run.
//
//   zeromq_source_bench [--records=N] [--rounds=R]   (defaults 2,000,000 and 2; the order of
//                                                    the two sides alternates between rounds)
//
// A PUB socket on 127.0.0.1 sends N messages [topic, "record-<i>"] as fast as it can, with no
// high-water mark so that nothing is dropped. Baseline: one thread receives them with cppzmq and
// counts them, waiting in poll() and then reading all that is queued, as ember's session does.
// ember: a context with 100 ms batches counts the records of each batch; the run ends when the
// batches hold N. Both are timed from the first message sent to the last one counted; a count
// other than N fails the run.

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"
#include "ember/zeromq.hpp"

namespace {

using Clock = std::chrono::steady_clock;

/// A PUB socket that sends `n` records once a subscriber is there (an XPUB hands over the
/// subscription, so nothing is sent before it).
class Publisher {
 public:
  explicit Publisher(zmq::context_t& context) : socket_(context, zmq::socket_type::xpub) {
    socket_.set(zmq::sockopt::sndhwm, 0);  // queue rather than drop
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    url_ = socket_.get(zmq::sockopt::last_endpoint);
  }
  const std::string& url() const { return url_; }
  /// Waits for a subscription, then sends; returns when every message is queued.
  Clock::time_point publish(std::int64_t n) {
    zmq::message_t subscription;
    (void)socket_.recv(subscription);
    auto begin = Clock::now();
    std::string payload;
    for (std::int64_t i = 0; i < n; ++i) {
      payload = "record-" + std::to_string(i);
      socket_.send(zmq::str_buffer("t"), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(payload), zmq::send_flags::none);
    }
    return begin;
  }

 private:
  zmq::socket_t socket_;
  std::string url_;
};

double baseline(std::int64_t n) {
  zmq::context_t context;
  Publisher pub(context);
  // A context of its own, as the receiver's session has: its own I/O thread.
  zmq::context_t subscriberContext;
  zmq::socket_t sub(subscriberContext, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "t");
  sub.connect(pub.url());
  Clock::time_point begin;
  std::thread publisher([&] { begin = pub.publish(n); });
  std::int64_t count = 0;
  zmq::message_t frame;
  zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
  while (count < n) {
    // As ember's session reads: wait until something is there, then take all that is.
    zmq::poll(&item, 1, std::chrono::milliseconds(-1));
    while (sub.recv(frame, zmq::recv_flags::dontwait)) {
      if (!frame.more()) ++count;  // the payload frame ends a message
    }
  }
  auto end = Clock::now();
  publisher.join();
  return std::chrono::duration<double>(end - begin).count();
}

double viaEmber(std::int64_t n) {
  zmq::context_t context;
  Publisher pub(context);
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("zeromq_source_bench");
  ember::StreamingContext ssc(conf, ember::Milliseconds(100));
  auto records = ember::ZeroMQUtils::createStream(
      ssc, pub.url(), "t", [](const std::vector<std::string>& frames) { return frames; },
      ember::StorageLevel::MEMORY_ONLY);
  std::atomic<std::int64_t> counted{0};
  std::atomic<std::int64_t> end_ns{0};
  records.foreachRDD([&](const ember::Rdd<std::string>& rdd, ember::Time) {
    const std::int64_t c = rdd.count();
    if (counted.fetch_add(c) + c >= n && end_ns.load() == 0) {
      end_ns = Clock::now().time_since_epoch().count();
    }
  });
  ssc.start();
  auto begin = pub.publish(n);
  auto deadline = Clock::now() + std::chrono::minutes(2);
  while (end_ns.load() == 0 && Clock::now() < deadline) ssc.awaitTerminationOrTimeout(10);
  ssc.stop();
  if (counted.load() != n) {
    ember::bench::failRun("zeromq_source_bench", "ember counted " + std::to_string(counted.load()) +
                                                     " records, not " + std::to_string(n));
  }
  return std::chrono::duration<double>(Clock::time_point(Clock::duration(end_ns.load())) - begin)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 2;
  std::int64_t n = 2'000'000;
  for (int i = 1; i < argc; ++i) {
    if (auto v = ember::bench::optionValue(argv[i], "records")) {
      n = std::stoll(*v);
    } else if (auto r = ember::bench::optionValue(argv[i], "rounds")) {
      rounds = std::stoi(*r);
    } else {
      ember::bench::failRun("zeromq_source_bench", std::string("unknown argument ") + argv[i]);
    }
  }
  std::printf("zeromq_source_bench: %lld records of about 14 bytes on loopback\n",
              static_cast<long long>(n));
  // The order alternates between rounds, so that neither side always runs first.
  for (int round = 1; round <= rounds; ++round) {
    double base = 0;
    double ember_s = 0;
    if (round % 2 == 1) {
      base = baseline(n);
      ember_s = viaEmber(n);
    } else {
      ember_s = viaEmber(n);
      base = baseline(n);
    }
    std::printf("round %d (%s first)\n", round, round % 2 == 1 ? "baseline" : "ember");
    std::printf("  %-28s %10.3f s %14.0f records/s\n", "hand-written SUB loop", base, n / base);
    std::printf("  %-28s %10.3f s %14.0f records/s  (%.2fx the loop)\n", "ZeroMQUtils.createStream",
                ember_s, n / ember_s, base / ember_s);
    std::fflush(stdout);
  }
  return 0;
}
