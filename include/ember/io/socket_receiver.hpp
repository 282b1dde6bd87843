#pragma once

#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "ember/io/socket_client.hpp"
#include "ember/io/socket_input.hpp"
#include "ember/streaming/receiver.hpp"

namespace ember {

namespace detail {
/// One connection of a socket receiver, on its receiving thread: connects, runs `session` on the
/// connection, and then asks for a restart: "Error connecting to host:port" when the server
/// cannot be reached, "Error receiving data from host:port" with the error when the session
/// throws, "Socket data stream had no more data (host:port)" when it returns. Nothing when the
/// receiver is stopping. Does not throw.
void runSocketSession(ReceiverBase& receiver, SocketClient& client,
                      const std::function<void(SocketInput&)>& session);
}  // namespace detail

/// A receiver reading one TCP connection at a time (Spark's SocketReceiver): `session` is called
/// once per connection on the receiver's own thread and stores what it reads. The end of the
/// stream or an error makes the receiver restart and connect again (the supervisor backs off);
/// onStop() cuts a connect or a read short at once.
template <class T>
class SocketReceiver : public Receiver<T> {
 public:
  using Session = std::function<void(SocketInput&, SocketReceiver<T>&)>;

  /// `what` names the method in error messages. Throws IllegalArgumentError for an empty host
  /// or a port outside 1-65535, and IoError when no eventfd can be made.
  SocketReceiver(std::string what, std::string host, int port, StorageLevel level, Session session)
      : Receiver<T>(level),
        client_(std::move(what), std::move(host), port),
        session_(std::move(session)) {}
  ~SocketReceiver() override { onStop(); }

  /// Starts the receiving thread. Called by the supervisor, never concurrently with onStop().
  void onStart() override {
    if (thread_.joinable()) thread_.join();  // a thread that ended by itself
    client_.reset();
    thread_ = std::thread([this] {
      detail::runSocketSession(*this, client_, [this](SocketInput& in) { session_(in, *this); });
    });
  }
  /// Makes the receiving thread end and joins it (unless called from it). Idempotent.
  void onStop() override {
    client_.interrupt();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override { return "SocketReceiver(" + client_.where() + ")"; }

 private:
  detail::SocketClient client_;
  Session session_;
  std::thread thread_;
};

/// What a socketStream converter calls once per record: stores it as a single record (cut into
/// blocks, rate limited).
template <class T>
class StoreEmitter {
 public:
  explicit StoreEmitter(Receiver<T>& receiver) : receiver_(receiver) {}
  void operator()(T record) const { receiver_.store(std::move(record)); }

 private:
  Receiver<T>& receiver_;
};

}  // namespace ember
