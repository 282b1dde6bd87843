#include <mosquitto.h>

#include <charconv>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/io/mqtt/mqtt_options.hpp"

namespace ember::detail {

MQTTBrokerAddress parseMQTTBrokerUrl(const std::string& what, const std::string& brokerUrl) {
  auto refuse = [&](const std::string& why) {
    return IllegalArgumentError(what + ": broker URL '" + brokerUrl + "' " + why +
                                " (expected tcp://host[:port] or mqtt://host[:port])");
  };
  std::string rest;
  for (const char* scheme : {"tcp://", "mqtt://"}) {
    if (brokerUrl.rfind(scheme, 0) == 0) rest = brokerUrl.substr(std::string(scheme).size());
  }
  if (rest.empty()) {
    if (brokerUrl.find("://") != std::string::npos) {
      throw refuse("has a scheme ember does not support (no TLS or WebSocket transport)");
    }
    throw refuse("has no host");
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  MQTTBrokerAddress address;
  std::string port;
  if (rest.front() == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string::npos) throw refuse("has an unclosed '['");
    address.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') throw refuse("has something other than ':port' after ']'");
      port = rest.substr(close + 2);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    address.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) throw refuse("has an empty port");
  } else {
    address.host = rest;
  }
  if (address.host.empty()) throw refuse("has no host");
  if (address.host.find('/') != std::string::npos) throw refuse("has a path");
  if (!port.empty()) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      throw refuse("has port '" + port + "', not a number in 1-65535");
    }
    address.port = value;
  }
  return address;
}

void checkMQTTSettings(const std::string& what, const std::vector<std::string>& topics,
                       const MQTTOptions& options) {
  if (topics.empty()) throw IllegalArgumentError(what + ": no topic given; give at least one");
  for (const auto& topic : topics) {
    if (topic.empty() || mosquitto_sub_topic_check(topic.c_str()) != MOSQ_ERR_SUCCESS) {
      throw IllegalArgumentError(
          what + ": topic '" + topic +
          "' is not an MQTT topic filter (not empty; '+' must be a whole level and '#' the "
          "whole last level)");
    }
  }
  if (options.qos < 0 || options.qos > 2) {
    throw IllegalArgumentError(what + ": qos is " + std::to_string(options.qos) +
                               "; it must be 0, 1 or 2");
  }
  if (options.keepAliveInterval != 0 && options.keepAliveInterval < 5) {
    throw IllegalArgumentError(what + ": keepAliveInterval is " +
                               std::to_string(options.keepAliveInterval) +
                               " s; it must be 0 (no keep-alive) or at least 5");
  }
  if (options.connectionTimeout < 1) {
    throw IllegalArgumentError(what + ": connectionTimeout is " +
                               std::to_string(options.connectionTimeout) +
                               " s; it must be at least 1");
  }
  if (options.clientId && options.clientId->empty()) {
    throw IllegalArgumentError(what + ": clientId is empty; give a non-empty one or none");
  }
  if (!options.cleanSession && !options.clientId) {
    throw IllegalArgumentError(what +
                               ": cleanSession false needs a clientId: the broker finds a "
                               "persistent session by its client id");
  }
  if (options.password && !options.username) {
    throw IllegalArgumentError(what + ": a password was given without a username");
  }
}

}  // namespace ember::detail
