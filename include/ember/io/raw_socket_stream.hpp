#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/serialization.hpp"
#include "ember/io/receiver_stream.hpp"
#include "ember/io/socket_receiver.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

/// The largest block rawSocketStream accepts: a Java int, as Spark's reader.
inline constexpr std::uint32_t kMaxRawBlockBytes = 0x7fffffff;

/// Reads blocks until the end of the stream: a 4-byte big-endian length, then that many bytes of
/// serializeToString(std::vector<T>); each is stored as one block. Throws IoError for a length
/// above kMaxRawBlockBytes or a stream ending inside a block, SerializationError for bytes that
/// do not hold a std::vector<T>.
template <class T>
void readRawBlocks(SocketInput& in, Receiver<T>& receiver) {
  for (;;) {
    unsigned char header[4];
    if (!in.readFully(reinterpret_cast<char*>(header), sizeof header)) return;
    const std::uint32_t length = (std::uint32_t{header[0]} << 24) |
                                 (std::uint32_t{header[1]} << 16) |
                                 (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
    if (length > kMaxRawBlockBytes) {
      throw IoError("rawSocketStream: block length " + std::to_string(length) +
                    " is above the limit of " + std::to_string(kMaxRawBlockBytes) + " bytes");
    }
    std::string bytes(length, '\0');
    if (length > 0 && !in.readFully(bytes.data(), length)) {
      if (in.stopped()) return;
      throw IoError("rawSocketStream: the stream from " + in.where() +
                    " ended between a block's length and its bytes");
    }
    receiver.store(deserializeFromString<std::vector<T>>(bytes));
  }
}

}  // namespace detail

template <class T>
DStream<T> StreamingContext::rawSocketStream(const std::string& hostname, int port,
                                             StorageLevel storageLevel) {
  return receiverStream<T>(std::make_shared<SocketReceiver<T>>(
      "rawSocketStream", hostname, port, storageLevel,
      [](SocketInput& in, SocketReceiver<T>& receiver) { detail::readRawBlocks(in, receiver); }));
}

}  // namespace ember
