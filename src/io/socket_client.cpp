#include "ember/io/socket_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

#include "ember/core/error.hpp"

namespace ember::detail {

SocketClient::SocketClient(std::string what, std::string host, int port)
    : host_(std::move(host)), port_(port), where_(host_ + ":" + std::to_string(port)) {
  if (host_.empty()) throw IllegalArgumentError(what + ": hostname must not be empty");
  if (port_ < 1 || port_ > 65535) {
    throw IllegalArgumentError(what + ": port " + std::to_string(port_) + " is outside 1-65535");
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    throw IoError(what + ": cannot make an eventfd: " + std::strerror(errno));
  }
}

SocketClient::~SocketClient() {
  ::close(wake_fd_);
}

void SocketClient::reset() {
  std::uint64_t drained = 0;
  while (::read(wake_fd_, &drained, sizeof drained) > 0) {
  }
  interrupted_.store(false);
}

void SocketClient::interrupt() {
  interrupted_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
}

bool SocketClient::waitFor(int fd, short events) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {wake_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (interrupted_.load() || (rc > 0 && fds[1].revents != 0)) return false;
    if (rc > 0 && fds[0].revents != 0) return true;
    if (rc < 0) return true;  // let the caller's next call report the error
  }
}

int SocketClient::connect(std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(port_);
  if (int rc = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = ::gai_strerror(rc);
    return -1;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(found, ::freeaddrinfo);
  error = "no address";
  for (addrinfo* a = found; a != nullptr && !interrupted_.load(); a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!waitFor(fd, POLLOUT)) {
        ::close(fd);
        return -1;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
      rc = so_error == 0 ? 0 : -1;
      errno = so_error;
    }
    if (rc == 0) return fd;
    error = std::strerror(errno);
    ::close(fd);
  }
  return -1;
}

}  // namespace ember::detail
