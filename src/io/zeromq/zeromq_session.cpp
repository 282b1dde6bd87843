#include "ember/io/zeromq/zeromq_session.hpp"

#include <zmq.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember::detail {

namespace {

/// A silent publisher (a network cut, a host that went down without closing its socket) is
/// noticed by ZMTP heartbeats: a ping every 5 s, the connection dropped after 15 s unanswered.
constexpr int kHeartbeatIntervalMs = 5'000;
constexpr int kHeartbeatTimeoutMs = 15'000;
/// Messages read per wake-up before the monitor is looked at again.
constexpr int kMessagesPerPoll = 1024;

std::atomic<std::uint64_t> next_monitor_id{0};

/// A failure of the connection, as the socket's monitor reports it.
struct ConnectionLost {
  std::string message;
};

}  // namespace

struct ZeroMQSession::State {
  std::string url;
  std::string subscribe;
  zmq::context_t context;
  std::atomic<bool> interrupted{false};
};

ZeroMQSession::ZeroMQSession(std::string publisherUrl, std::string subscribe) {
  try {
    state_ = std::make_unique<State>();
  } catch (const zmq::error_t& e) {
    throw IoError("ZeroMQ: cannot make a context: " + std::string(e.what()));
  }
  state_->url = std::move(publisherUrl);
  state_->subscribe = std::move(subscribe);
}

// The context's destructor waits for its sockets, which run() closes before it returns.
ZeroMQSession::~ZeroMQSession() = default;

void ZeroMQSession::interrupt() {
  state_->interrupted = true;
  state_->context.shutdown();  // blocking calls on its sockets return ETERM at once
}

namespace {

/// Reads every message the socket holds without waiting, calling onMessage with each one's
/// frames. Returns whether it read any.
bool drain(zmq::socket_t& socket, std::vector<std::string>& frames,
           const ZeroMQSession::OnMessage& onMessage, int limit) {
  bool any = false;
  for (int i = 0; i < limit; ++i) {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) break;
    frames.clear();
    frames.emplace_back(frame.data<char>(), frame.size());
    while (frame.more()) {
      (void)socket.recv(frame, zmq::recv_flags::none);  // the rest of a message is there already
      frames.emplace_back(frame.data<char>(), frame.size());
    }
    any = true;
    onMessage(frames);
  }
  return any;
}

/// The event of one monitor message (its first frame: 16-bit event, 32-bit value).
std::uint16_t readEvent(zmq::socket_t& monitor) {
  zmq::message_t head;
  (void)monitor.recv(head, zmq::recv_flags::none);
  std::uint16_t event = 0;
  if (head.size() >= sizeof event) std::memcpy(&event, head.data(), sizeof event);
  while (head.more()) (void)monitor.recv(head, zmq::recv_flags::none);  // the endpoint
  return event;
}

}  // namespace

void ZeroMQSession::run(ReceiverBase& receiver, const OnMessage& onMessage) {
  State& s = *state_;
  std::exception_ptr failure;
  std::string failureMessage;
  bool connected = false;
  try {
    zmq::socket_t sub(s.context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::heartbeat_ivl, kHeartbeatIntervalMs);
    sub.set(zmq::sockopt::heartbeat_timeout, kHeartbeatTimeoutMs);
    sub.set(zmq::sockopt::subscribe, s.subscribe);
    const std::string monitorUrl =
        "inproc://ember-zeromq-monitor-" + std::to_string(++next_monitor_id);
    if (zmq_socket_monitor(
            sub.handle(), monitorUrl.c_str(),
            ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED) != 0) {
      throw zmq::error_t();
    }
    zmq::socket_t monitor(s.context, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitorUrl);
    logger()->info("Connecting to ZeroMQ publisher {}", s.url);
    sub.connect(s.url);

    std::vector<std::string> frames;
    zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0},
                               {monitor.handle(), 0, ZMQ_POLLIN, 0}};
    for (;;) {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
      if (items[0].revents & ZMQ_POLLIN) {
        try {
          drain(sub, frames, onMessage, kMessagesPerPoll);
        } catch (const zmq::error_t&) {
          throw;
        } catch (...) {
          failureMessage = "Error receiving data from " + s.url;
          failure = std::current_exception();
          break;
        }
      }
      if (!(items[1].revents & ZMQ_POLLIN)) continue;
      const std::uint16_t event = readEvent(monitor);
      if (event == ZMQ_EVENT_CONNECTED) {
        connected = true;
        logger()->info("Connected to ZeroMQ publisher {}", s.url);
        continue;
      }
      // The connection failed or ended: what arrived before it did is kept, then the receiver
      // restarts with a new socket, which the supervisor delays with its backoff.
      while (drain(sub, frames, onMessage, kMessagesPerPoll)) {
      }
      failureMessage = connected ? "ZeroMQ publisher " + s.url + " closed the connection"
                                 : "Error connecting to " + s.url;
      failure =
          std::make_exception_ptr(IoError(connected ? "the connection to " + s.url + " ended"
                                                    : "no ZeroMQ publisher answers at " + s.url));
      break;
    }
  } catch (const zmq::error_t& e) {
    if (e.num() != ETERM && !s.interrupted) {
      failureMessage = (connected ? "Error receiving data from " : "Error connecting to ") + s.url;
      failure = std::make_exception_ptr(IoError("ZeroMQ: " + std::string(e.what())));
    }
  } catch (...) {
    // What onMessage threw while draining after a failure.
    failureMessage = "Error receiving data from " + s.url;
    failure = std::current_exception();
  }
  if (s.interrupted) {
    logger()->info("Stopped receiving from ZeroMQ publisher {}", s.url);
  } else if (failure) {
    receiver.restart(failureMessage, failure);
  }
}

void checkZeroMQUrl(const std::string& what, const std::string& publisherUrl) {
  try {
    zmq::context_t context(1);
    zmq::socket_t probe(context, zmq::socket_type::sub);
    probe.set(zmq::sockopt::linger, 0);
    probe.connect(publisherUrl);
  } catch (const zmq::error_t& e) {
    throw IllegalArgumentError(what + ": cannot connect a ZeroMQ socket to '" + publisherUrl +
                               "': " + e.what() +
                               " (expected tcp://host:port, ipc://path or inproc://name)");
  }
}

}  // namespace ember::detail
