#include "ember/io/socket_receiver.hpp"

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember::detail {

void runSocketSession(ReceiverBase& receiver, SocketClient& client,
                      const std::function<void(SocketInput&)>& session) {
  const std::string& where = client.where();
  std::string error;
  logger()->info("Connecting to {}", where);
  const int fd = client.connect(error);
  if (fd < 0) {
    if (!client.interrupted()) {
      receiver.restart("Error connecting to " + where, std::make_exception_ptr(IoError(error)));
    }
    return;
  }
  logger()->info("Connected to {}", where);
  std::exception_ptr failure;
  {
    SocketInput in(client, fd);
    try {
      session(in);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (client.interrupted()) {
    logger()->info("Stopped receiving from {}", where);
  } else if (failure) {
    receiver.restart("Error receiving data from " + where, failure);
  } else {
    receiver.restart("Socket data stream had no more data (" + where + ")");
  }
}

}  // namespace ember::detail
