#include "ember/io/socket_stream.hpp"

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
#include "ember/core/logging.hpp"
#include "ember/io/line_splitter.hpp"
#include "ember/io/receiver_stream.hpp"

namespace ember {

SocketTextReceiver::SocketTextReceiver(std::string host, int port, StorageLevel level)
    : Receiver<std::string>(level), host_(std::move(host)), port_(port) {
  if (host_.empty()) throw IllegalArgumentError("socketTextStream: hostname must not be empty");
  if (port_ < 1 || port_ > 65535) {
    throw IllegalArgumentError("socketTextStream: port " + std::to_string(port_) +
                               " is outside 1-65535");
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    throw IoError(std::string("socketTextStream: cannot make an eventfd: ") + std::strerror(errno));
  }
}

SocketTextReceiver::~SocketTextReceiver() {
  onStop();
  ::close(wake_fd_);
}

std::string SocketTextReceiver::name() const {
  return "SocketReceiver(" + host_ + ":" + std::to_string(port_) + ")";
}

void SocketTextReceiver::onStart() {
  if (thread_.joinable()) thread_.join();  // a thread that ended by itself
  std::uint64_t drained = 0;
  while (::read(wake_fd_, &drained, sizeof drained) > 0) {
  }
  stopping_.store(false);
  logger()->info("Connecting to {}:{}", host_, port_);
  thread_ = std::thread([this] { receive(); });
}

void SocketTextReceiver::onStop() {
  stopping_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool SocketTextReceiver::waitFor(int fd, short events) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {wake_fd_, POLLIN, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (stopping_.load() || (rc > 0 && fds[1].revents != 0)) return false;
    if (rc > 0 && fds[0].revents != 0) return true;
    if (rc < 0) return true;  // let the caller's next call report the error
  }
}

int SocketTextReceiver::connectToServer(std::string& error) {
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
  for (addrinfo* a = found; a != nullptr && !stopping_.load(); a = a->ai_next) {
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

void SocketTextReceiver::receive() {
  const std::string where = host_ + ":" + std::to_string(port_);
  std::string error;
  int fd = connectToServer(error);
  if (fd < 0) {
    if (!stopping_.load())
      restart("Error connecting to " + where, std::make_exception_ptr(IoError(error)));
    return;
  }
  logger()->info("Connected to {}", where);
  detail::LineSplitter lines;
  auto emit = [this](std::string&& line) {
    detail::replaceMalformedUtf8(line);
    store(std::move(line));
  };
  std::string buffer(64 * 1024, '\0');
  bool failed = false;
  bool ended = false;
  while (waitFor(fd, POLLIN)) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0) {
      error = std::strerror(errno);
      failed = true;
      break;
    }
    if (n == 0) {
      ended = true;
      break;
    }
    lines.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), emit);
  }
  ::close(fd);
  if (stopping_.load()) {
    logger()->info("Stopped receiving from {}", where);
    return;
  }
  if (failed) {
    restart("Error receiving data from " + where, std::make_exception_ptr(IoError(error)));
  } else if (ended) {
    lines.finish(emit);  // readLine gives the last line even without a newline
    restart("Socket data stream had no more data (" + where + ")");
  }
}

DStream<std::string> StreamingContext::socketTextStream(const std::string& hostname, int port,
                                                        StorageLevel storageLevel) {
  return receiverStream<std::string>(
      std::make_shared<SocketTextReceiver>(hostname, port, storageLevel));
}

}  // namespace ember
