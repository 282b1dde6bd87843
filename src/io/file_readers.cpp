#include "ember/io/file_readers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ember/core/error.hpp"
#include "ember/io/line_splitter.hpp"

namespace ember {

namespace {

/// An open file, closed when it goes out of scope.
class File {
 public:
  explicit File(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) fail("cannot open");
  }
  ~File() { ::close(fd_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  /// Up to buffer.size() bytes; 0 at the end of the file.
  std::size_t read(char* data, std::size_t size) {
    for (;;) {
      ssize_t n = ::read(fd_, data, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) fail("cannot read");
    }
  }

  [[noreturn]] void fail(const char* what) const {
    throw IoError(std::string(what) + " file " + path_ + ": " + std::strerror(errno));
  }

 private:
  std::string path_;
  int fd_;
};

/// Feeds the lines of `path` to emit(splitter, line).
template <class F>
void forEachLine(const std::string& path, F&& emit) {
  File file(path);
  detail::LineSplitter splitter;
  auto repaired = [&](std::string&& line) {
    detail::replaceMalformedUtf8(line);
    emit(splitter, std::move(line));
  };
  std::string buffer(64 * 1024, '\0');
  bool first = true;
  while (std::size_t n = file.read(buffer.data(), buffer.size())) {
    std::string_view bytes(buffer.data(), n);
    if (first && bytes.starts_with("\xEF\xBB\xBF")) {  // as LineRecordReader
      bytes.remove_prefix(3);
      splitter.skip(3);
    }
    first = false;
    splitter.feed(bytes, repaired);
  }
  splitter.finish(repaired);
}

}  // namespace

std::vector<std::string> readLines(const std::string& path) {
  std::vector<std::string> lines;
  forEachLine(path, [&](const detail::LineSplitter&, std::string&& line) {
    lines.push_back(std::move(line));
  });
  return lines;
}

std::vector<std::pair<std::int64_t, std::string>> readLinesWithOffsets(const std::string& path) {
  std::vector<std::pair<std::int64_t, std::string>> lines;
  forEachLine(path, [&](const detail::LineSplitter& splitter, std::string&& line) {
    lines.emplace_back(splitter.lineStart(), std::move(line));
  });
  return lines;
}

std::vector<std::vector<std::uint8_t>> readFixedLengthRecords(const std::string& path,
                                                              int recordLength) {
  if (recordLength <= 0) {
    throw IllegalArgumentError("binaryRecordsStream: recordLength must be positive, got " +
                               std::to_string(recordLength));
  }
  File file(path);
  std::vector<char> bytes;
  std::vector<char> buffer(64 * 1024);
  while (std::size_t n = file.read(buffer.data(), buffer.size())) {
    bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  const auto length = static_cast<std::size_t>(recordLength);
  if (bytes.size() % length != 0) {
    throw IoError("binaryRecordsStream: file " + path + " is " + std::to_string(bytes.size()) +
                  " bytes long, which is not a multiple of the record length " +
                  std::to_string(recordLength) + " (its last record would be partial)");
  }
  std::vector<std::vector<std::uint8_t>> records;
  records.reserve(bytes.size() / length);
  for (std::size_t at = 0; at < bytes.size(); at += length) {
    records.emplace_back(reinterpret_cast<const std::uint8_t*>(bytes.data() + at),
                         reinterpret_cast<const std::uint8_t*>(bytes.data() + at + length));
  }
  return records;
}

}  // namespace ember
