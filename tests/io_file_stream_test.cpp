// textFileStream, fileStream and binaryRecordsStream over a real temporary directory on a manual
// clock. Files are written in a staging directory, given a modification time on the manual
// clock's scale, and renamed into the watched directory, as the guide asks of writers.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cereal/archives/binary.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "streaming/dstream_graph.hpp"

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

// ---- fileStream and binaryRecordsStream ---------------------------------------------------------

namespace {

/// What an output saw of a stream of T, by batch time.
template <class T>
struct Seen {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<T>> batches;
  std::vector<T> at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return batches[t];
  }
};

template <class T>
std::shared_ptr<Seen<T>> watch(const ember::DStream<T>& stream) {
  auto seen = std::make_shared<Seen<T>>();
  stream.foreachRDD([seen](const ember::Rdd<T>& rdd, ember::Time t) {
    auto rows = rdd.collect();
    std::lock_guard lock(seen->mutex);
    seen->batches[t.milliseconds()] = rows;
  });
  return seen;
}

/// A context on a manual clock at kStart, not started; `extra` adds configuration.
std::unique_ptr<ember::StreamingContext> manualContext(
    const std::map<std::string, std::string>& extra = {}) {
  ember::Conf conf = Fixture::conf();
  for (const auto& [k, v] : extra) conf.set(k, v);
  auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Seconds(1));
  dynamic_cast<ember::ManualClock&>(ssc->clock()).advance(kStart);
  return ssc;
}

std::int64_t nextBatch(ember::StreamingContext& ssc) {
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  clock.advance(1000);
  std::int64_t t = clock.getTimeMillis();
  EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), kTimeoutMs)) << "batch " << t;
  return t;
}

using Offsets = std::vector<std::pair<std::int64_t, std::string>>;
using Bytes = std::vector<std::uint8_t>;

}  // namespace

TEST(FileStream, DefaultFormGivesTheByteOffsetOfEachLine) {
  TempDirs dirs;
  auto ssc = manualContext();
  auto seen = watch(ssc->fileStream(dirs.watched().string()));
  ssc->start();
  moveIn(dirs, "a.txt", "ab\r\ncd\n\nef", kStart + 100);
  moveIn(dirs, "b.txt", "\xEF\xBB\xBFx\ry", kStart + 100);  // the mark belongs to line 0
  std::int64_t t = nextBatch(*ssc);
  EXPECT_EQ(seen->at(t), (Offsets{{0, "ab"}, {4, "cd"}, {7, ""}, {8, "ef"}, {0, "x"}, {5, "y"}}));
  ssc->stop();
}

TEST(FileStream, TheFilterGetsThePathAndTheDefaultRejectsOnlyDotNames) {
  TempDirs dirs;
  auto ssc = manualContext();
  auto csv = watch(
      ssc->fileStream<std::string>(dirs.watched().string(), ember::readLines,
                                   [](const std::string& path) { return path.ends_with(".csv"); }));
  auto all = watch(ssc->fileStream<std::string>(dirs.watched().string(), ember::readLines));
  ssc->start();
  moveIn(dirs, "data.csv", "1,2\n", kStart + 100);
  moveIn(dirs, "_under.txt", "under\n", kStart + 100);
  moveIn(dirs, ".hidden", "hidden\n", kStart + 100);
  std::int64_t t = nextBatch(*ssc);
  EXPECT_THAT(csv->at(t), ElementsAre("1,2"));
  EXPECT_THAT(all->at(t), ElementsAre("under", "1,2"));  // "_" sorts before "d"
  ssc->stop();
  EXPECT_TRUE(ember::defaultFileFilter("/x/data.csv"));
  EXPECT_TRUE(ember::defaultFileFilter("/x.y/_SUCCESS"));
  EXPECT_FALSE(ember::defaultFileFilter("/x/.part.crc"));
}

TEST(FileStream, NewFilesOnlyFalseTakesFilesOfTheRememberWindowPresentAtStart) {
  TempDirs dirs;
  // A window of 2 s: the first batch (kStart + 1 s) looks back to kStart - 1 s.
  auto ssc = manualContext({{"spark.streaming.fileStream.minRememberDuration", "2s"}});
  moveIn(dirs, "too_old.txt", "too old\n", kStart - 1'500);
  moveIn(dirs, "recent.txt", "recent\n", kStart - 500);
  moveIn(dirs, "epoch.txt", "epoch\n", 0);  // mtime 0 is never new
  auto all = watch(ssc->fileStream<std::string>(dirs.watched().string(), ember::readLines, {},
                                                /*newFilesOnly=*/false));
  auto only_new = watch(ssc->fileStream<std::string>(dirs.watched().string(), ember::readLines));
  ssc->start();
  moveIn(dirs, "new.txt", "new\n", kStart + 100);
  std::int64_t t1 = nextBatch(*ssc);
  EXPECT_THAT(all->at(t1), ElementsAre("new", "recent"));
  EXPECT_THAT(only_new->at(t1), ElementsAre("new"));
  EXPECT_THAT(all->at(nextBatch(*ssc)), IsEmpty());  // each file once
  ssc->stop();
}

TEST(FileStream, RememberWindowIsTheMinimumRoundedUpToWholeBatches) {
  using ember::Seconds;
  using ember::detail::fileRememberWindow;
  auto window = [](const std::map<std::string, std::string>& values, ember::Duration batch) {
    ember::Conf conf;
    for (const auto& [k, v] : values) conf.set(k, v);
    return fileRememberWindow(conf, batch);
  };
  const std::string key = "spark.streaming.fileStream.minRememberDuration";
  const std::string old_key = "spark.streaming.minRememberDuration";
  EXPECT_EQ(window({}, Seconds(1)), Seconds(60));
  EXPECT_EQ(window({}, Seconds(7)), Seconds(63));
  EXPECT_EQ(window({{key, "3s"}}, Seconds(2)), Seconds(4));
  EXPECT_EQ(window({{key, "5"}}, Seconds(2)), Seconds(6));       // a bare number is seconds
  EXPECT_EQ(window({{key, "1500ms"}}, Seconds(1)), Seconds(1));  // as getTimeAsSeconds
  EXPECT_EQ(window({{old_key, "10s"}}, Seconds(3)), Seconds(12));
  EXPECT_EQ(window({{key, "2s"}, {old_key, "10s"}}, Seconds(1)), Seconds(2));
  EXPECT_THROW(window({{key, "soon"}}, Seconds(1)), ember::IllegalArgumentError);
}

TEST(FileStream, AReaderErrorFailsTheJobsOfItsBatch) {
  TempDirs dirs;
  auto ssc = manualContext();
  auto seen = watch(ssc->fileStream<int>(dirs.watched().string(), [](const std::string& path) {
    if (path.ends_with("bad.txt")) throw std::runtime_error("cannot parse " + path);
    return std::vector<int>{1, 2};
  }));
  ssc->start();
  moveIn(dirs, "good.txt", "", kStart + 100);
  std::int64_t t1 = nextBatch(*ssc);
  EXPECT_THAT(seen->at(t1), ElementsAre(1, 2));
  moveIn(dirs, "bad.txt", "", kStart + 1'100);
  dynamic_cast<ember::ManualClock&>(ssc->clock()).advance(1000);
  try {
    ssc->awaitTerminationOrTimeout(kTimeoutMs);
    ADD_FAILURE() << "the batch did not fail";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot parse " + (dirs.watched() / "bad.txt").string()));
  }
  ssc->stop();
}

TEST(BinaryRecordsStream, CutsNewFilesIntoRecordsOfTheGivenLength) {
  TempDirs dirs;
  auto ssc = manualContext();
  auto seen = watch(ssc->binaryRecordsStream(dirs.watched().string(), 3));
  ssc->start();
  moveIn(dirs, "a.bin", std::string("\x00\x01\x02\xff\r\n", 6), kStart + 100);
  moveIn(dirs, "b.bin", "", kStart + 100);
  moveIn(dirs, ".c.bin", "abc", kStart + 100);
  std::int64_t t = nextBatch(*ssc);
  EXPECT_EQ(seen->at(t), (std::vector<Bytes>{{0, 1, 2}, {0xff, '\r', '\n'}}));
  ssc->stop();
}

TEST(BinaryRecordsStream, AFileWithAPartialRecordFailsItsBatch) {
  TempDirs dirs;
  auto ssc = manualContext();
  auto seen = watch(ssc->binaryRecordsStream(dirs.watched().string(), 4));
  ssc->start();
  moveIn(dirs, "odd.bin", "0123456789", kStart + 100);
  dynamic_cast<ember::ManualClock&>(ssc->clock()).advance(1000);
  try {
    ssc->awaitTerminationOrTimeout(kTimeoutMs);
    ADD_FAILURE() << "the batch did not fail";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("file " + (dirs.watched() / "odd.bin").string() +
                                    " is 10 bytes long, which is not a multiple of the record "
                                    "length 4"));
  }
  ssc->stop();
}

TEST(BinaryRecordsStream, RefusesANonPositiveRecordLength) {
  auto ssc = manualContext();
  for (int length : {0, -4}) {
    try {
      ssc->binaryRecordsStream("/tmp", length);
      ADD_FAILURE() << "no error for " << length;
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_THAT(e.what(),
                  HasSubstr("recordLength must be positive, got " + std::to_string(length)));
    }
  }
  EXPECT_THROW(ssc->binaryRecordsStream("", 4), ember::IllegalArgumentError);
  EXPECT_THROW(ssc->fileStream(""), ember::IllegalArgumentError);
}

// ---- The files each batch took survive a save and a load ---------------------------------------

namespace {

int fileNodeId(ember::StreamingContext& ssc) {
  for (const auto& node : ssc.core().graph().nodes()) {
    if (node->name() == "FileInputDStream") return node->id();
  }
  ADD_FAILURE() << "no FileInputDStream";
  return -1;
}

std::string saveFileState(ember::StreamingContext& ssc) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(os);
    ssc.core().nodeState(fileNodeId(ssc))->save(ar);
  }
  return std::move(os).str();
}

void loadFileState(ember::StreamingContext& ssc, const std::string& bytes) {
  std::istringstream is(bytes, std::ios::binary);
  cereal::BinaryInputArchive ar(is);
  ssc.core().nodeState(fileNodeId(ssc))->load(ar, ssc.sparkContext());
}

/// Runs two batches of `make`'s stream (taking first.* in the first), saves its state, then runs
/// a second context of the same program from the saved state over the same directory: the
/// restored stream does not take first.* again, and takes second.*. `content` is each file's.
template <class T>
void expectRoundTrip(
    const std::function<ember::DStream<T>(ember::StreamingContext&, const std::string&)>& make,
    const std::string& content, const std::vector<T>& records) {
  TempDirs dirs;
  const std::string dir = dirs.watched().string();
  std::string bytes;
  {
    auto first = manualContext();
    auto seen = watch(make(*first, dir));
    first->start();
    moveIn(dirs, "first.dat", content, kStart + 100);
    EXPECT_EQ(seen->at(nextBatch(*first)), records);
    EXPECT_THAT(seen->at(nextBatch(*first)), IsEmpty());
    bytes = saveFileState(*first);
    first->stop();
  }
  auto second = manualContext();
  auto seen = watch(make(*second, dir));
  second->start();
  loadFileState(*second, bytes);
  EXPECT_EQ(saveFileState(*second), bytes);
  moveIn(dirs, "second.dat", content, kStart + 200);
  // Without the loaded state this batch would take first.dat again: its mtime is in the window.
  EXPECT_EQ(seen->at(nextBatch(*second)), records);
  second->stop();
}

}  // namespace

TEST(FileStreamState, DefaultFileStreamRoundTrip) {
  expectRoundTrip<std::pair<std::int64_t, std::string>>(
      [](ember::StreamingContext& ssc, const std::string& dir) { return ssc.fileStream(dir); },
      "x\ny\n", {{0, "x"}, {2, "y"}});
}

TEST(FileStreamState, ReaderFileStreamRoundTrip) {
  expectRoundTrip<std::size_t>(
      [](ember::StreamingContext& ssc, const std::string& dir) {
        return ssc.fileStream<std::size_t>(dir, [](const std::string& path) {
          return std::vector<std::size_t>{ember::readLines(path).size()};
        });
      },
      "x\ny\nz\n", {3});
}

TEST(FileStreamState, BinaryRecordsStreamRoundTrip) {
  expectRoundTrip<Bytes>([](ember::StreamingContext& ssc,
                            const std::string& dir) { return ssc.binaryRecordsStream(dir, 2); },
                         "abcd", {{'a', 'b'}, {'c', 'd'}});
}

TEST(FileStreamState, RefusesBytesItDidNotWrite) {
  auto ssc = manualContext();
  ssc->fileStream("/tmp").foreachRDD([](const auto&) {});
  ssc->start();
  EXPECT_THROW(loadFileState(*ssc, "not a saved state"), ember::SerializationError);
  ssc->stop();
}
