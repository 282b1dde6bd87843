// Spark's ZeroMQWordCount: counts the words of the messages a ZeroMQ publisher sends on a topic,
// in one-second batches. Each message is [topic, line, line, ...]; the topic frame is dropped
// and every other frame is a line of text.
//
//   zeromq_wordcount URL TOPIC [--seconds N]   subscribe to TOPIC at URL (tcp://host:port)
//   zeromq_wordcount [--seconds N]             subscribe to an embedded publisher on 127.0.0.1
//                                               that sends the lines of kSentences on topic
//                                               "words", ten messages a second
//
// Without --seconds it runs until killed; with it, it stops gracefully after N seconds and exits
// 0. Bad arguments print the usage and exit 2; --help prints it and exits 0.

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/zeromq.hpp"
#include "example_args.hpp"

namespace {

constexpr const char* kUsage =
    "usage: zeromq_wordcount [URL TOPIC] [--seconds N]\n"
    "  URL TOPIC    the publisher to subscribe to (e.g. tcp://127.0.0.1:1234) and the topic\n"
    "               without them, an embedded publisher sends sample lines on topic 'words'\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

/// A PUB socket on 127.0.0.1 (port chosen by the system) sending [topic, sentence] ten times a
/// second, the sentences in turn, until destroyed.
class EmbeddedPublisher {
 public:
  EmbeddedPublisher() : socket_(context_, zmq::socket_type::pub) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    url_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] {
      for (std::size_t i = 0; !stop_; ++i) {
        socket_.send(zmq::str_buffer("words"), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(kSentences[i % kSentences.size()]), zmq::send_flags::none);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the publishing pace
      }
    });
  }
  ~EmbeddedPublisher() {
    stop_ = true;
    thread_.join();
  }
  const std::string& url() const { return url_; }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
  std::string url_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int usage(const std::string& error) {
  return ember::examples::printUsage("zeromq_wordcount", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 0 && args->positional.size() != 2) {
    return usage("give both URL and TOPIC, or neither");
  }
  std::unique_ptr<EmbeddedPublisher> embedded;
  std::string url, topic;
  if (args->positional.empty()) {
    embedded = std::make_unique<EmbeddedPublisher>();
    url = embedded->url();
    topic = "words";
    std::cerr << "zeromq_wordcount: subscribing to the embedded publisher at " << url << "\n";
  } else {
    url = args->positional[0];
    topic = args->positional[1];
  }

  ember::StreamingContext ssc("local[2]", "ZeroMQWordCount", ember::Seconds(2));
  try {
    // Every frame after the topic is a line of text.
    auto lines = ember::ZeroMQUtils::createStream(
        ssc, url, topic, [](const std::vector<std::string>& frames) { return frames; });
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    auto wordCounts = words.map([](std::string word) {
                             return std::pair{std::move(word), 1};
                           })
                          .reduceByKey(std::plus<>{});
    wordCounts.pprint();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
