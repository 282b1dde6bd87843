#include "ember/io/socket_input.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ember/core/error.hpp"

namespace ember {

SocketInput::~SocketInput() {
  ::close(fd_);
}

std::size_t SocketInput::read(char* buffer, std::size_t n) {
  if (n == 0) return 0;
  while (client_.waitFor(fd_, POLLIN)) {
    ssize_t got = ::recv(fd_, buffer, n, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (got < 0) {
      throw IoError("reading from " + client_.where() + " failed: " + std::strerror(errno));
    }
    return static_cast<std::size_t>(got);
  }
  return 0;  // the receiver stops
}

bool SocketInput::readFully(char* buffer, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    std::size_t got = read(buffer + done, n - done);
    if (got == 0) {
      if (done == 0 || stopped()) return false;
      throw IoError("the stream from " + client_.where() + " ended after " + std::to_string(done) +
                    " of " + std::to_string(n) + " bytes");
    }
    done += got;
  }
  return true;
}

}  // namespace ember
