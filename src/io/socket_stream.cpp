#include "ember/io/socket_stream.hpp"

#include "ember/io/line_splitter.hpp"

namespace ember {

namespace {

/// Stores each line of the connection; a last line without a newline counts at the end of the
/// stream, as readLine gives it (not when the receiver stops).
void readLines(SocketInput& in, Receiver<std::string>& receiver) {
  detail::LineSplitter lines;
  auto emit = [&receiver](std::string&& line) {
    detail::replaceMalformedUtf8(line);
    receiver.store(std::move(line));
  };
  std::string buffer(64 * 1024, '\0');
  while (std::size_t n = in.read(buffer.data(), buffer.size())) {
    lines.feed(std::string_view(buffer.data(), n), emit);
  }
  if (!in.stopped()) lines.finish(emit);
}

}  // namespace

SocketTextReceiver::SocketTextReceiver(std::string host, int port, StorageLevel level)
    : SocketReceiver<std::string>(
          "socketTextStream", std::move(host), port, level,
          [](SocketInput& in, SocketReceiver<std::string>& receiver) { readLines(in, receiver); }) {
}

DStream<std::string> StreamingContext::socketTextStream(const std::string& hostname, int port,
                                                        StorageLevel storageLevel) {
  return receiverStream<std::string>(
      std::make_shared<SocketTextReceiver>(hostname, port, storageLevel));
}

}  // namespace ember
