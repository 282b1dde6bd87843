// textFileStream over a real temporary directory on a manual clock. Files are written in a
// staging directory, given a modification time on the manual clock's scale, and renamed into the
// watched directory, as the guide asks of writers.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/ember.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Lines = std::vector<std::string>;

constexpr std::int64_t kTimeoutMs = 20'000;
constexpr std::int64_t kStart = 10'000;  // the manual clock at start(): batches at 11 s, 12 s, ...

/// A fresh directory tree: `watched` for the stream, `staging` to write files in first.
class TempDirs {
 public:
  TempDirs() {
    std::string pattern = (fs::temp_directory_path() / "ember_file_stream_XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    fs::create_directory(watched());
    fs::create_directory(staging());
  }
  ~TempDirs() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path watched() const { return root_ / "watched"; }
  fs::path staging() const { return root_ / "staging"; }

 private:
  fs::path root_;
};

void setMtime(const fs::path& path, std::int64_t ms, bool follow = true) {
  timespec times[2];
  times[0] = times[1] = timespec{static_cast<time_t>(ms / 1000), (ms % 1000) * 1'000'000};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, follow ? 0 : AT_SYMLINK_NOFOLLOW), 0)
      << path << ": " << std::strerror(errno);
}

/// Writes `content` to staging/name, sets its mtime, and moves it to watched/name.
void moveIn(const TempDirs& dirs, const std::string& name, const std::string& content,
            std::int64_t mtime_ms) {
  fs::path staged = dirs.staging() / name;
  {
    std::ofstream out(staged, std::ios::binary);
    out << content;
  }
  setMtime(staged, mtime_ms);
  fs::rename(staged, dirs.watched() / name);
}

struct Collected {
  std::mutex mutex;
  std::map<std::int64_t, Lines> batches;
  Lines at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return batches[t];
  }
};

std::shared_ptr<Collected> collect(const ember::DStream<std::string>& stream) {
  auto out = std::make_shared<Collected>();
  stream.foreachRDD([out](const ember::Rdd<std::string>& rdd, ember::Time t) {
    auto rows = rdd.collect();
    std::lock_guard lock(out->mutex);
    out->batches[t.milliseconds()] = rows;
  });
  return out;
}

/// The input descriptions of completed batches, by batch time.
class Descriptions : public ember::StreamingListener {
 public:
  void onBatchCompleted(const ember::StreamingListenerBatchCompleted& e) override {
    std::string text;
    for (const auto& [id, info] : e.batchInfo.streamIdToInputInfo) text += info.description;
    {
      std::lock_guard lock(mutex_);
      by_time_[e.batchInfo.batchTime.milliseconds()] = text;
    }
    cv_.notify_all();
  }
  std::string await(std::int64_t t) {
    std::unique_lock lock(mutex_);
    bool ok = cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs),
                           [&] { return by_time_.count(t) > 0; });
    EXPECT_TRUE(ok) << "no BatchCompleted for " << t;
    return by_time_[t];
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::int64_t, std::string> by_time_;
};

struct Fixture {
  explicit Fixture(const std::string& directory) : ssc(conf(), ember::Seconds(1)) {
    ssc.addStreamingListener(descriptions);
    out = collect(ssc.textFileStream(directory));
    clock().advance(kStart);
  }
  static ember::Conf conf() {
    ember::Conf c;
    c.setMaster("local[2]").setAppName("io_file_stream_test");
    c.set("spark.streaming.clock", "ManualClock");
    return c;
  }
  ember::ManualClock& clock() { return dynamic_cast<ember::ManualClock&>(ssc.clock()); }
  /// Runs the next batch and returns its time.
  std::int64_t runBatch() {
    clock().advance(1000);
    std::int64_t t = clock().getTimeMillis();
    EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), kTimeoutMs)) << "batch " << t;
    return t;
  }

  ember::StreamingContext ssc;
  std::shared_ptr<Descriptions> descriptions = std::make_shared<Descriptions>();
  std::shared_ptr<Collected> out;
};

TEST(TextFileStream, EachNewFileOnceInTheBatchOfItsModificationTime) {
  TempDirs dirs;
  moveIn(dirs, "before_start.txt", "old\n", 5'000);
  moveIn(dirs, "at_start.txt", "old too\n", kStart);  // mtime must be after the clock at start
  Fixture f(dirs.watched().string());
  f.ssc.start();

  moveIn(dirs, "a.txt", "a1\r\na2\n", kStart + 500);
  moveIn(dirs, "b.txt", "b1", kStart + 1000);  // the batch time itself belongs to the batch
  moveIn(dirs, "late.txt", "late\n", kStart + 3'500);
  std::int64_t t1 = f.runBatch();
  EXPECT_EQ(t1, kStart + 1000);
  EXPECT_THAT(f.out->at(t1), ElementsAre("a1", "a2", "b1"));  // files in name order

  moveIn(dirs, "c.txt", "c1\n\nc3\n", kStart + 1'700);
  moveIn(dirs, "a.txt", "a1 changed\n", kStart + 1'600);  // replaced, mtime moved on: taken again?
  std::int64_t t2 = f.runBatch();
  // Spark remembers a.txt by path for the remember window, so the new a.txt is not taken.
  EXPECT_THAT(f.out->at(t2), ElementsAre("c1", "", "c3"));

  std::int64_t t3 = f.runBatch();
  EXPECT_THAT(f.out->at(t3), IsEmpty());
  std::int64_t t4 = f.runBatch();
  EXPECT_THAT(f.out->at(t4), ElementsAre("late"));  // waited for its batch
  EXPECT_THAT(f.descriptions->await(t4), HasSubstr("late.txt"));
  EXPECT_THAT(f.out->at(f.runBatch()), IsEmpty());
  f.ssc.stop();
}

TEST(TextFileStream, LinesAsHadoopsLineRecordReaderGivesThem) {
  TempDirs dirs;
  Fixture f(dirs.watched().string());
  f.ssc.start();
  // A UTF-8 byte order mark at the start is dropped; "\r", "\n" and "\r\n" end lines; malformed
  // UTF-8 becomes U+FFFD (Text.toString); a last line without newline counts.
  moveIn(dirs, "bom.txt",
         "\xEF\xBB\xBF"
         "first\rsecond\r\n\xEF\xBB\xBFkept\n",
         kStart + 100);
  moveIn(dirs, "bytes.txt", "bad \xC3 byte\n\nno newline", kStart + 100);
  std::int64_t t = f.runBatch();
  EXPECT_THAT(f.out->at(t), ElementsAre("first", "second", "\xEF\xBB\xBFkept",  // bom.txt
                                        "bad \xEF\xBF\xBD byte", "", "no newline"));
  f.ssc.stop();
}

TEST(TextFileStream, HiddenPartialAndNestedEntriesAreIgnored) {
  TempDirs dirs;
  Fixture f(dirs.watched().string());
  f.ssc.start();
  moveIn(dirs, ".hidden", "hidden\n", kStart + 100);
  moveIn(dirs, "_temporary", "temporary\n", kStart + 100);
  moveIn(dirs, "part-0._COPYING_", "copying\n", kStart + 100);
  moveIn(dirs, "empty.txt", "", kStart + 100);
  fs::create_directory(dirs.staging() / "nested.txt");
  { std::ofstream(dirs.staging() / "nested.txt" / "inner.txt") << "inner\n"; }
  setMtime(dirs.staging() / "nested.txt" / "inner.txt", kStart + 100);
  setMtime(dirs.staging() / "nested.txt", kStart + 100);
  fs::rename(dirs.staging() / "nested.txt", dirs.watched() / "nested.txt");
  moveIn(dirs, "visible.txt", "visible\n", kStart + 100);
  std::int64_t t = f.runBatch();
  EXPECT_THAT(f.out->at(t), ElementsAre("visible"));
  std::string description = f.descriptions->await(t);
  EXPECT_THAT(description, HasSubstr("empty.txt"));
  EXPECT_THAT(description, Not(HasSubstr("hidden")));
  EXPECT_THAT(description, Not(HasSubstr("inner")));
  f.ssc.stop();
}

TEST(TextFileStream, AnUnreadableFileIsReportedOnceAndSkipped) {
  TempDirs dirs;
  Fixture f(dirs.watched().string());
  f.ssc.start();
  // A name that cannot be read even by root: a symbolic link to nothing, timed by its own mtime.
  fs::create_symlink(dirs.staging() / "no-such-target", dirs.staging() / "dangling.txt");
  setMtime(dirs.staging() / "dangling.txt", kStart + 200, /*follow=*/false);
  fs::rename(dirs.staging() / "dangling.txt", dirs.watched() / "dangling.txt");
  bool root = ::geteuid() == 0;
  if (!root) {  // without privileges, permissions make a file unreadable too
    moveIn(dirs, "secret.txt", "secret\n", kStart + 200);
    fs::permissions(dirs.watched() / "secret.txt", fs::perms::none);
  }
  moveIn(dirs, "fine.txt", "fine\n", kStart + 200);
  std::int64_t t1 = f.runBatch();
  EXPECT_THAT(f.out->at(t1), ElementsAre("fine"));
  std::string description = f.descriptions->await(t1);
  EXPECT_THAT(description, HasSubstr("skipped unreadable file"));
  EXPECT_THAT(description, HasSubstr("dangling.txt: dangling symbolic link"));
  if (!root) {
    EXPECT_THAT(description, HasSubstr("secret.txt: Permission denied"));
  }
  std::int64_t t2 = f.runBatch();
  EXPECT_THAT(f.out->at(t2), IsEmpty());
  EXPECT_THAT(f.descriptions->await(t2), Not(HasSubstr("dangling")));  // reported once
  f.ssc.stop();
}

TEST(TextFileStream, AMissingDirectoryGivesEmptyBatches) {
  TempDirs dirs;
  Fixture f((dirs.watched() / "does-not-exist").string());
  f.ssc.start();
  EXPECT_THAT(f.out->at(f.runBatch()), IsEmpty());
  EXPECT_THAT(f.out->at(f.runBatch()), IsEmpty());
  EXPECT_EQ(f.ssc.getState(), ember::StreamingContextState::ACTIVE);
  f.ssc.stop();
}

TEST(TextFileStream, RefusesAnEmptyDirectoryName) {
  ember::StreamingContext ssc(Fixture::conf(), ember::Seconds(1));
  try {
    ssc.textFileStream("");
    FAIL() << "no error";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("directory must not be empty"));
  }
}

TEST(TextFileStream, WordCountOverFiles) {
  TempDirs dirs;
  ember::Conf conf = Fixture::conf();
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto counts = ssc.textFileStream(dirs.watched().string())
                    .flatMap([](const std::string& l) { return ember::split(l, ' '); })
                    .map([](std::string w) {
                      return std::pair{std::move(w), 1};
                    })
                    .reduceByKey(std::plus<>{});
  auto out = std::make_shared<std::map<std::string, int>>();
  auto mutex = std::make_shared<std::mutex>();
  counts.foreachRDD([out, mutex](const ember::Rdd<std::pair<std::string, int>>& rdd) {
    std::lock_guard lock(*mutex);
    for (auto& [w, n] : rdd.collect()) (*out)[w] += n;
  });
  ssc.start();
  moveIn(dirs, "1.txt", "to be or not to be\n", 300);
  moveIn(dirs, "2.txt", "to do\n", 900);
  dynamic_cast<ember::ManualClock&>(ssc.clock()).advance(1000);
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(1000), kTimeoutMs));
  std::lock_guard lock(*mutex);
  EXPECT_EQ(*out,
            (std::map<std::string, int>{{"be", 2}, {"do", 1}, {"not", 1}, {"or", 1}, {"to", 3}}));
  ssc.stop();
}

}  // namespace
