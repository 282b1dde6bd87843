#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/io/mqtt/mqtt_options.hpp"
#include "ember/io/mqtt/mqtt_session.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember {

/// Subscribes to topics of an MQTT broker (Bahir's MQTTReceiver and MQTTPairedReceiver). T is
/// std::string (each message's payload, as Bahir's createStream) or
/// std::pair<std::string, std::string> (topic and payload, as createPairedStream). Payloads are
/// bytes, kept as they are. Records are stored one at a time (cut into blocks every block
/// interval, rate limited).
///
/// libmosquitto acknowledges a QoS 1 or 2 message before handing it over, so what the receiver
/// buffered is lost if the process dies (an unreliable receiver, as Bahir's). A broker that
/// cannot be reached, refuses, or drops the connection makes the receiver restart (a new
/// client, with the supervisor's backoff), each time reported to the listeners; with
/// cleanSession false and a fixed clientId the broker queues QoS 1 and 2 messages meanwhile and
/// the next connection receives them. onStop() disconnects within a tenth of a second.
template <class T>
class MQTTReceiver final : public Receiver<T> {
 public:
  static_assert(std::is_same_v<T, std::string> ||
                    std::is_same_v<T, std::pair<std::string, std::string>>,
                "MQTTReceiver<T>: T is std::string (payloads) or "
                "std::pair<std::string, std::string> (topic, payload)");

  /// Throws IllegalArgumentError for a broker URL, topic or option that is not allowed (see
  /// detail::parseMQTTBrokerUrl and detail::checkMQTTSettings).
  MQTTReceiver(std::string brokerUrl, std::vector<std::string> topics, StorageLevel level,
               MQTTOptions options = {})
      : Receiver<T>(level),
        url_(std::move(brokerUrl)),
        address_(detail::parseMQTTBrokerUrl("MQTTUtils.createStream", url_)),
        topics_(std::move(topics)),
        options_(std::move(options)) {
    detail::checkMQTTSettings("MQTTUtils.createStream", topics_, options_);
  }
  ~MQTTReceiver() override { onStop(); }

  /// Starts the receiving thread with a new client.
  void onStart() override {
    if (thread_.joinable()) thread_.join();  // a thread that ended by itself
    auto session = std::make_shared<detail::MQTTSession>(url_, address_, topics_, options_);
    {
      std::lock_guard lock(mutex_);
      session_ = session;
    }
    thread_ = std::thread([this, session] {
      session->run(*this, [this](const char* topic, const void* payload, int length) {
        std::string bytes(static_cast<const char*>(payload), static_cast<std::size_t>(length));
        if constexpr (std::is_same_v<T, std::string>) {
          this->store(std::move(bytes));
        } else {
          this->store(T(topic, std::move(bytes)));
        }
      });
    });
  }
  /// Interrupts the session and joins its thread (unless called from it). Idempotent.
  void onStop() override {
    {
      std::lock_guard lock(mutex_);
      if (session_) session_->interrupt();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override {
    std::string topics;
    for (const auto& t : topics_) topics += (topics.empty() ? "" : ", ") + t;
    return "MQTTReceiver(" + url_ + ", " + topics + ")";
  }

 private:
  std::string url_;
  detail::MQTTBrokerAddress address_;
  std::vector<std::string> topics_;
  MQTTOptions options_;
  std::mutex mutex_;
  std::shared_ptr<detail::MQTTSession> session_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace ember
