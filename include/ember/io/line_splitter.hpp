#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace ember::detail {

/// Cuts a byte stream, given in pieces of any size, into lines as Java's BufferedReader.readLine
/// (Spark's socketTextStream) and Hadoop's LineReader (textFileStream) do: a line ends at "\n",
/// "\r" or "\r\n", and the terminator is not part of it; "a\n\nb" is "a", "", "b"; a last line
/// without a terminator is a line (given by finish()); nothing follows a final terminator.
/// Bytes are passed through as they are; replaceMalformedUtf8() does what decoding does to them.
/// lineStart() gives, inside emit, the byte offset of the emitted line from the start of the
/// stream (the key of Hadoop's TextInputFormat). Not thread-safe.
class LineSplitter {
 public:
  /// Calls emit(std::string&&) for every line that `bytes` completes.
  template <class F>
  void feed(std::string_view bytes, F&& emit) {
    std::size_t i = 0;
    if (after_cr_ && !bytes.empty()) {
      after_cr_ = false;
      if (bytes[0] == '\n') {
        i = 1;  // the "\n" of a "\r\n" cut between two pieces
        line_start_ = fed_ + 1;
      }
    }
    std::size_t start = i;
    for (; i < bytes.size(); ++i) {
      const char c = bytes[i];
      if (c != '\n' && c != '\r') continue;
      pending_.append(bytes.data() + start, i - start);
      emit(std::exchange(pending_, std::string()));
      if (c == '\r') {
        if (i + 1 == bytes.size()) {
          after_cr_ = true;
        } else if (bytes[i + 1] == '\n') {
          ++i;
        }
      }
      start = i + 1;
      line_start_ = fed_ + static_cast<std::int64_t>(start);
    }
    pending_.append(bytes.data() + start, bytes.size() - start);
    fed_ += static_cast<std::int64_t>(bytes.size());
  }

  /// Counts `n` bytes of the stream that are not fed (a byte-order mark the reader dropped): later
  /// offsets include them, the line they precede still starts where it did.
  void skip(std::size_t n) { fed_ += static_cast<std::int64_t>(n); }

  /// The offset of the line being emitted.
  std::int64_t lineStart() const { return line_start_; }

  /// At the end of the stream: calls emit for the unterminated last line, if there is one, and
  /// resets the splitter.
  template <class F>
  void finish(F&& emit) {
    after_cr_ = false;
    if (!pending_.empty()) emit(std::exchange(pending_, std::string()));
    fed_ = line_start_ = 0;
  }

  /// Drops a partial line (the stream failed or was stopped).
  void reset() {
    pending_.clear();
    after_cr_ = false;
    fed_ = line_start_ = 0;
  }

 private:
  std::string pending_;
  bool after_cr_ = false;
  std::int64_t fed_ = 0;         // bytes fed or skipped so far
  std::int64_t line_start_ = 0;  // offset of the first byte of pending_
};

/// Replaces each maximal ill-formed subsequence of UTF-8 in `text` with U+FFFD, as Java's UTF-8
/// decoder (REPLACE) does in readLine and Hadoop's Text.toString; well-formed text is left as it
/// is. Lines can be repaired one by one: line terminators end any ill-formed subsequence.
void replaceMalformedUtf8(std::string& text);

}  // namespace ember::detail
