#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "ember/io/receiver_stream.hpp"
#include "ember/io/socket_receiver.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

/// Reads lines of text from a TCP server (Spark's SocketReceiver with its line converter): one
/// record per line, lines ending at "\n", "\r\n" or "\r" as Java's readLine has them, and a last
/// line without a newline is a record when the server closes the connection. Malformed UTF-8
/// becomes U+FFFD, as Java's decoder does.
///
/// When the server cannot be reached, closes the connection, or the connection fails, it asks
/// for a restart: the supervisor reconnects with backoff and reports each failure to the
/// listeners. onStop() interrupts a connect or a read at once, so stopping never waits for the
/// network.
class SocketTextReceiver final : public SocketReceiver<std::string> {
 public:
  /// Throws IllegalArgumentError for an empty host or a port outside 1-65535, and IoError when
  /// no eventfd can be made.
  SocketTextReceiver(std::string host, int port, StorageLevel level);
};

template <class T, class F>
DStream<T> StreamingContext::socketStream(const std::string& hostname, int port, F converter,
                                          StorageLevel storageLevel) {
  static_assert(std::is_invocable_v<F&, SocketInput&, StoreEmitter<T>&>,
                "socketStream<T>: the converter must be callable as "
                "converter(ember::SocketInput& in, auto& emit), calling emit(record) with each T "
                "it reads from `in`");
  auto session = [converter = std::move(converter)](SocketInput& in,
                                                    SocketReceiver<T>& receiver) mutable {
    StoreEmitter<T> emit(receiver);
    converter(in, emit);
  };
  return receiverStream<T>(std::make_shared<SocketReceiver<T>>("socketStream", hostname, port,
                                                               storageLevel, std::move(session)));
}

}  // namespace ember
