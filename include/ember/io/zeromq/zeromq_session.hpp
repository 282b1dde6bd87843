#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/streaming/receiver.hpp"

namespace ember::detail {

/// One start of a ZeroMQ receiver: a ZeroMQ context of its own and the SUB socket that run()
/// makes in it. Compiled in ember::zeromq, so that libzmq stays out of the public headers.
class ZeroMQSession {
 public:
  using OnMessage = std::function<void(std::vector<std::string>& frames)>;

  /// Throws IoError when ZeroMQ cannot make a context.
  ZeroMQSession(std::string publisherUrl, std::string subscribe);
  ~ZeroMQSession();
  ZeroMQSession(const ZeroMQSession&) = delete;
  ZeroMQSession& operator=(const ZeroMQSession&) = delete;

  /// On the receiver's thread: connects a SUB socket to the publisher, subscribes to the topic
  /// prefix, and calls onMessage with the frames of each multipart message (the topic frame
  /// first) until interrupt() or a failure. A failure asks `receiver` for a restart, whose
  /// supervisor backs off and reports it to the listeners: "Error connecting to <url>" when the
  /// publisher cannot be reached, "ZeroMQ publisher <url> closed the connection" when an
  /// established connection ends (or stops answering heartbeats), "Error receiving data from
  /// <url>" when onMessage throws. After interrupt() it returns without asking anything. Does
  /// not throw.
  void run(ReceiverBase& receiver, const OnMessage& onMessage);
  /// Makes run() return at once (or return as soon as it starts). Thread-safe, idempotent.
  void interrupt();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Throws IllegalArgumentError naming the URL when ZeroMQ cannot connect a socket to it (an
/// unknown transport, a malformed address).
void checkZeroMQUrl(const std::string& what, const std::string& publisherUrl);

}  // namespace ember::detail
