#include "ember/io/socket_stream.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/io/receiver_stream.hpp"

namespace ember {

SocketTextReceiver::SocketTextReceiver(std::string host, int port, StorageLevel level)
    : Receiver<std::string>(level), host_(std::move(host)), port_(port) {
  if (host_.empty()) throw IllegalArgumentError("socketTextStream: hostname must not be empty");
  if (port_ < 1 || port_ > 65535) {
    throw IllegalArgumentError("socketTextStream: port " + std::to_string(port_) +
                               " is outside 1-65535");
  }
}

SocketTextReceiver::~SocketTextReceiver() {
  onStop();
}

std::string SocketTextReceiver::name() const {
  return "SocketReceiver(" + host_ + ":" + std::to_string(port_) + ")";
}

void SocketTextReceiver::onStart() {
  if (thread_.joinable()) thread_.join();
  stopping_.store(false);
  thread_ = std::thread([this] { receive(); });
}

void SocketTextReceiver::onStop() {
  stopping_.store(true);
  {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
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
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    {
      // Published before connect() so that onStop() can interrupt a slow connect too.
      std::lock_guard lock(mutex_);
      fd_ = fd;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
    error = std::strerror(errno);
    std::lock_guard lock(mutex_);
    ::close(fd);
    fd_ = -1;
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
  std::string pending;
  char buffer[64 * 1024];
  bool failed = false;
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      failed = true;
      break;
    }
    if (n == 0) break;
    std::size_t start = 0;
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != '\n') continue;
      pending.append(buffer + start, static_cast<std::size_t>(i) - start);
      if (!pending.empty() && pending.back() == '\r') pending.pop_back();
      store(std::move(pending));
      pending.clear();
      start = static_cast<std::size_t>(i) + 1;
    }
    pending.append(buffer + start, static_cast<std::size_t>(n) - start);
  }
  if (!pending.empty()) store(std::move(pending));
  {
    std::lock_guard lock(mutex_);
    ::close(fd);
    fd_ = -1;
  }
  if (stopping_.load()) return;
  if (failed) {
    restart("Error receiving data from " + where, std::make_exception_ptr(IoError(error)));
  } else {
    restart("Socket data stream had no more data (" + where + ")");
  }
}

DStream<std::string> StreamingContext::socketTextStream(const std::string& hostname, int port,
                                                        StorageLevel storageLevel) {
  return receiverStream<std::string>(
      std::make_shared<SocketTextReceiver>(hostname, port, storageLevel));
}

}  // namespace ember
