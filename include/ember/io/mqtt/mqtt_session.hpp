#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/io/mqtt/mqtt_options.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember::detail {

/// One start of an MQTT receiver: a libmosquitto client connected to the broker and subscribed
/// to the topics. Compiled in ember::mqtt, so that libmosquitto stays out of the public headers.
class MQTTSession {
 public:
  using OnMessage = std::function<void(const char* topic, const void* payload, int length)>;

  /// Takes settings checkMQTTSettings accepted. Does not connect yet.
  MQTTSession(std::string brokerUrl, MQTTBrokerAddress address, std::vector<std::string> topics,
              MQTTOptions options);
  ~MQTTSession();
  MQTTSession(const MQTTSession&) = delete;
  MQTTSession& operator=(const MQTTSession&) = delete;

  /// On the receiver's thread: connects, subscribes to every topic at the options' QoS (again
  /// after each connection, and a persistent session gets what the broker queued for it), and
  /// calls onMessage with each message until interrupt() or a failure. A failure asks `receiver`
  /// for a restart, whose supervisor backs off and reports it to the listeners: "Error
  /// connecting to <url>" (no connection, or no answer within connectionTimeout), "Broker <url>
  /// refused the connection" (with the broker's reason), "Broker <url> refused the subscription
  /// to <topic>", "Connection lost to <url>", "Error receiving data from <url>" (onMessage
  /// threw). After interrupt() it disconnects and returns without asking anything. Does not
  /// throw.
  void run(ReceiverBase& receiver, const OnMessage& onMessage);
  /// Makes run() disconnect and return within a tenth of a second, or as soon as it starts.
  /// Thread-safe, idempotent.
  void interrupt();

  /// Defined in the library, where libmosquitto's callbacks reach it.
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace ember::detail
