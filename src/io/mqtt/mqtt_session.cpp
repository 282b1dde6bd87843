#include "ember/io/mqtt/mqtt_session.hpp"

#include <mosquitto.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>  // std::call_once
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember::detail {

namespace {

/// How long one mosquitto_loop() call may wait for the network: the bound on how late a stop or
/// a connection timeout is noticed.
constexpr int kLoopTimeoutMs = 100;
/// Writing what is queued when a session stops: up to 10 waits of 10 ms.
constexpr int kFlushRounds = 10;
constexpr int kFlushWaitMs = 10;

void initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

/// Paho's generateClientId, in ember's words: a fresh id per client.
std::string randomClientId() {
  static std::atomic<unsigned> counter{0};
  std::random_device device;
  std::mt19937_64 random(device() ^ (static_cast<std::uint64_t>(++counter) << 32));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(random()));
  return std::string("ember-") + hex;
}

/// libmosquitto's result as words; MOSQ_ERR_ERRNO is the system's errno.
std::string describe(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

}  // namespace

struct MQTTSession::State {
  std::string url;
  MQTTBrokerAddress address;
  std::vector<std::string> topics;
  MQTTOptions options;
  std::atomic<bool> interrupted{false};

  // The session thread's own, also in libmosquitto's callbacks (which run inside its loop).
  const OnMessage* on_message = nullptr;
  bool connected = false;
  std::string failure_message;
  std::exception_ptr failure;

  void fail(std::string message, std::exception_ptr error) {
    if (failure) return;  // the first failure is the one to report
    failure_message = std::move(message);
    failure = std::move(error);
  }
  void fail(std::string message, const std::string& detail) {
    fail(std::move(message), std::make_exception_ptr(IoError(detail)));
  }
};

MQTTSession::MQTTSession(std::string brokerUrl, MQTTBrokerAddress address,
                         std::vector<std::string> topics, MQTTOptions options)
    : state_(std::make_unique<State>()) {
  state_->url = std::move(brokerUrl);
  state_->address = std::move(address);
  state_->topics = std::move(topics);
  state_->options = std::move(options);
}

MQTTSession::~MQTTSession() = default;

// Only the flag: libmosquitto's client is used by the session thread alone (its loop writes
// acknowledgements at once, without a wake-up through another thread), which notices the flag
// within kLoopTimeoutMs and disconnects.
void MQTTSession::interrupt() {
  state_->interrupted = true;
}

namespace {

void onConnect(mosquitto* client, void* user, int rc) {
  auto& s = *static_cast<MQTTSession::State*>(user);
  if (rc != 0) {
    s.fail("Broker " + s.url + " refused the connection",
           std::string(mosquitto_connack_string(rc)));
    return;
  }
  s.connected = true;
  logger()->info("Connected to MQTT broker {}", s.url);
  // One SUBSCRIBE for all the topics, as Paho's subscribe(String[], int[]) sends: the broker
  // grants them together, and one SUBACK tells that the receiver listens to every one.
  std::vector<char*> filters;
  std::string names;
  for (auto& topic : s.topics) {
    filters.push_back(topic.data());
    names += (names.empty() ? "" : ", ") + topic;
  }
  int sent = mosquitto_subscribe_multiple(client, nullptr, static_cast<int>(filters.size()),
                                          filters.data(), s.options.qos, 0, nullptr);
  if (sent != MOSQ_ERR_SUCCESS)
    s.fail("Error subscribing to " + names + " at " + s.url, describe(sent));
}

void onSubscribe(mosquitto*, void* user, int, int count, const int* granted) {
  auto& s = *static_cast<MQTTSession::State*>(user);
  for (int i = 0; i < count; ++i) {
    if (granted[i] >= 0x80) {  // MQTT 3.1.1: 0x80 is the SUBACK failure code
      // The SUBACK grants the topics in the order the SUBSCRIBE named them.
      const std::string topic =
          static_cast<std::size_t>(i) < s.topics.size() ? s.topics[i] : std::to_string(i);
      s.fail("Broker " + s.url + " refused the subscription to " + topic,
             std::string("SUBACK failure (0x80)"));
    }
  }
}

void onMessage(mosquitto*, void* user, const mosquitto_message* message) {
  auto& s = *static_cast<MQTTSession::State*>(user);
  if (s.failure) return;
  try {
    (*s.on_message)(message->topic, message->payload, message->payloadlen);
  } catch (...) {
    // Nothing may leave a C callback: the loop ends after it and the receiver restarts.
    s.fail("Error receiving data from " + s.url, std::current_exception());
  }
}

}  // namespace

void MQTTSession::run(ReceiverBase& receiver, const OnMessage& onMessageFn) {
  State& s = *state_;
  initLibrary();
  s.on_message = &onMessageFn;
  const std::string id = s.options.clientId.value_or(randomClientId());
  mosquitto* client = mosquitto_new(id.c_str(), s.options.cleanSession, &s);
  if (client == nullptr) {
    receiver.restart(
        "Error connecting to " + s.url,
        std::make_exception_ptr(
            IoError(std::string("libmosquitto cannot make a client: ") + std::strerror(errno))));
    return;
  }
  mosquitto_int_option(client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (s.options.username) {
    mosquitto_username_pw_set(client, s.options.username->c_str(),
                              s.options.password ? s.options.password->c_str() : nullptr);
  }
  mosquitto_connect_callback_set(client, onConnect);
  mosquitto_subscribe_callback_set(client, onSubscribe);
  mosquitto_message_callback_set(client, onMessage);

  logger()->info("Connecting to MQTT broker {} as {}", s.url, id);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(s.options.connectionTimeout);
  int rc = s.interrupted ? MOSQ_ERR_SUCCESS
                         : mosquitto_connect_async(client, s.address.host.c_str(), s.address.port,
                                                   s.options.keepAliveInterval);
  if (rc != MOSQ_ERR_SUCCESS) s.fail("Error connecting to " + s.url, describe(rc));
  while (!s.failure && !s.interrupted) {
    rc = mosquitto_loop(client, kLoopTimeoutMs, 1);
    if (s.failure || s.interrupted) break;
    if (rc != MOSQ_ERR_SUCCESS) {
      s.fail((s.connected ? "Connection lost to " : "Error connecting to ") + s.url, describe(rc));
    } else if (!s.connected && std::chrono::steady_clock::now() > deadline) {
      s.fail("Error connecting to " + s.url,
             "no answer from the broker within connectionTimeout (" +
                 std::to_string(s.options.connectionTimeout) + " s)");
    }
  }
  if (s.interrupted && s.connected) {
    // A clean DISCONNECT, after the acknowledgements still queued (a socket that was full): what
    // is not acknowledged the broker sends again to a persistent session. At most kFlushRounds
    // short waits, so that a stop stays prompt.
    mosquitto_disconnect(client);
    for (int i = 0; i < kFlushRounds && mosquitto_want_write(client); ++i) {
      if (mosquitto_loop(client, kFlushWaitMs, 1) != MOSQ_ERR_SUCCESS) break;
    }
  }
  mosquitto_destroy(client);
  if (s.interrupted) {
    logger()->info("Stopped receiving from MQTT broker {}", s.url);
  } else if (s.failure) {
    receiver.restart(s.failure_message, s.failure);
  }
}

}  // namespace ember::detail
