#include <time.h>

#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "ember/core/error.hpp"
#include "ember/streaming/ops/output.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/ops/reduced_window.hpp"

namespace ember::detail {

std::string formatBatchTime(Time time) {
  std::int64_t ms = time.milliseconds();
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<int>(ms - secs * 1000);
  time_t t = static_cast<time_t>(secs);
  struct tm local {};
  localtime_r(&t, &local);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  std::string out(buf);
  if (millis != 0) out += fmt::format(".{:03d}", millis);
  return out;
}

void writeBlock(const std::string& block) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(block.data(), 1, block.size(), stdout);
  std::fflush(stdout);
}

std::string batchFileName(const std::string& prefix, const std::string& suffix, Time time) {
  std::string name = std::to_string(time.milliseconds());
  if (!prefix.empty()) name = prefix + "-" + name;
  if (!suffix.empty()) name += "." + suffix;
  return name;
}

int streamingPartitions(const char* operation, std::optional<int> numPartitions,
                        StreamingContext& ssc) {
  if (numPartitions) return checkPartitions(operation, *numPartitions);
  return ssc.sparkContext().defaultParallelism();
}

void checkSameSlide(const char* operation,
                    const std::vector<std::shared_ptr<DStreamNodeBase>>& streams) {
  for (const auto& s : streams) {
    if (s->slideDuration() != streams.front()->slideDuration()) {
      throw IllegalArgumentError(std::string(operation) +
                                 ": the streams have different slide durations (" +
                                 streams.front()->slideDuration().toString() + " and " +
                                 s->slideDuration().toString() + "); they must be equal");
    }
  }
}

void throwKeyWithoutWindowValue() {
  throw IllegalStateError(
      "reduceByKeyAndWindow: a key left the window, but the previous window had no value for it "
      "and no new value arrived. Either filterFunc dropped a key whose values were still in the "
      "window (drop only keys whose value is back to zero), or the key's hash is not consistent");
}

}  // namespace ember::detail

namespace ember::detail {

void checkWindowDuration(const char* what, Duration duration, Duration parent_slide) {
  if (duration.milliseconds() <= 0 || !duration.isMultipleOf(parent_slide)) {
    throw IllegalArgumentError(std::string("The ") + what + " of a windowed stream (" +
                               duration.toString() +
                               ") must be a positive multiple of the slide duration of its parent "
                               "stream (" +
                               parent_slide.toString() + ")");
  }
}

}  // namespace ember::detail
