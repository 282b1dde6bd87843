#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ember {

/// The connection settings of an MQTT stream: Bahir's MQTTUtils.createStream arguments after the
/// storage level, with its defaults.
struct MQTTOptions {
  /// The client id; a random "ember-<hex>" one when not given. A persistent session
  /// (cleanSession = false) needs one, so that a reconnection finds its session again.
  std::optional<std::string> clientId;
  std::optional<std::string> username;
  std::optional<std::string> password;
  /// false: the broker keeps the subscription and queues QoS 1 and 2 messages while the client
  /// is away, and hands them over when the same client id connects again.
  bool cleanSession = true;
  /// The subscription's quality of service: 0 (at most once), 1 (at least once) or 2.
  int qos = 1;
  /// Seconds between keep-alive pings: 0 (none) or at least 5.
  int keepAliveInterval = 60;
  /// Seconds to wait for the broker's answer to a connection (at least 1).
  int connectionTimeout = 30;
};

namespace detail {

/// A broker URL taken apart: "tcp://host[:port]" or "mqtt://host[:port]" (port 1883 when not
/// given; an IPv6 host in brackets).
struct MQTTBrokerAddress {
  std::string host;
  int port = 1883;
};

/// Throws IllegalArgumentError naming the URL and what is allowed: another scheme (ssl://, ws://
/// are not supported), no host, a port outside 1-65535.
MQTTBrokerAddress parseMQTTBrokerUrl(const std::string& what, const std::string& brokerUrl);

/// Throws IllegalArgumentError naming the setting for: no topics, a topic filter MQTT does not
/// allow (empty, '#' not last, '+' or '#' inside a level), qos outside 0-2, keepAliveInterval
/// not 0 or at least 5, connectionTimeout below 1, cleanSession false without a clientId, an
/// empty clientId, a password without a username.
void checkMQTTSettings(const std::string& what, const std::vector<std::string>& topics,
                       const MQTTOptions& options);

}  // namespace detail
}  // namespace ember
