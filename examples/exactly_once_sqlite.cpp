// The guide's transactional output (exactly-once semantics of output operations): a word count
// whose foreachRDD writes each partition's counts to SQLite together with the id of that write,
// (batch time, partition index), in one transaction, and skips the write when the id was already
// committed. A batch that runs again (after a failure, or here when the program runs again over
// the same input and database) therefore leaves the table as it was.
//
//   exactly_once_sqlite [DATABASE [DIR]]   DATABASE defaults to wordcounts.db; without DIR the
//                                          program writes sample files to a temporary directory
//   exactly_once_sqlite --help             prints the usage and exits 0
//
// The files of DIR are replayed: a manual clock starts at the oldest file's modification time and
// steps batch by batch to the newest, each file going to the batch of its modification time
// (fileStream with newFilesOnly false). Batch times, and so the ids, depend only on the files, so
// a second run re-runs the same batches. The program prints one line per partition and batch
// ("batch <ms> partition <p>: committed <n> words" or "... already committed, skipped"), then
// the table's counts ("<word> <count>"), and exits 0; 1 when a batch failed, 2 for bad arguments.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: exactly_once_sqlite [DATABASE [DIR]]\n"
    "  DATABASE  the SQLite file to add the counts to (default: wordcounts.db); created if\n"
    "            missing, with tables word_counts(word, count) and commits(batch_time, partition)\n"
    "  DIR       the text files to count, replayed in the order of their modification times\n"
    "            (default: sample files written to a temporary directory)\n";

constexpr std::int64_t kBatchMs = 1000;

// ---- SQLite ------------------------------------------------------------------------------------

/// One connection; every failure throws with SQLite's message.
class Database {
 public:
  explicit Database(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open database " + path + ": " + message);
    }
    // Partitions commit concurrently; a writer waits for the one holding the lock.
    sqlite3_busy_timeout(db_, 30'000);
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      throw std::runtime_error(std::string("SQLite: ") + message + " in: " + sql);
    }
  }

  /// A prepared statement, finalized when it goes out of scope.
  class Statement {
   public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
      if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(sql);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, std::int64_t v) {
      sqlite3_bind_int64(stmt_, i, v);
      return *this;
    }
    Statement& bind(int i, const std::string& v) {
      sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      return *this;
    }
    /// True while there is a row.
    bool step() {
      int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW) return true;
      if (rc != SQLITE_DONE) fail(sqlite3_sql(stmt_));
      return false;
    }
    void reset() {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
    std::int64_t int64(int column) { return sqlite3_column_int64(stmt_, column); }
    std::string text(int column) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : "";
    }

   private:
    [[noreturn]] void fail(const char* sql) {
      throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(db_) + " in: " + sql);
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
  };

  Statement prepare(const char* sql) { return Statement(db_, sql); }

 private:
  sqlite3* db_ = nullptr;
};

void createTables(const std::string& path) {
  Database db(path);
  db.exec(
      "CREATE TABLE IF NOT EXISTS word_counts (word TEXT PRIMARY KEY, count INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS commits (batch_time INTEGER NOT NULL, partition INTEGER NOT "
      "NULL, PRIMARY KEY (batch_time, partition));");
}

/// The guide's transactional update, for one partition of one batch: in one transaction, the
/// counts and the id, unless the id is there already. Returns false when it was.
bool commitPartition(const std::string& path, std::int64_t batch_time, int partition,
                     const std::vector<std::pair<std::string, int>>& counts) {
  Database db(path);  // one connection per partition, made on the worker (the guide's pattern)
  db.exec("BEGIN IMMEDIATE");
  try {
    auto seen = db.prepare("SELECT 1 FROM commits WHERE batch_time = ?1 AND partition = ?2");
    if (seen.bind(1, batch_time).bind(2, partition).step()) {
      db.exec("ROLLBACK");
      return false;
    }
    auto add = db.prepare(
        "INSERT INTO word_counts (word, count) VALUES (?1, ?2) "
        "ON CONFLICT (word) DO UPDATE SET count = count + excluded.count");
    for (const auto& [word, n] : counts) {
      add.bind(1, word).bind(2, n).step();
      add.reset();
    }
    db.prepare("INSERT INTO commits (batch_time, partition) VALUES (?1, ?2)")
        .bind(1, batch_time)
        .bind(2, partition)
        .step();
    db.exec("COMMIT");
    return true;
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

void printTable(const std::string& path) {
  Database db(path);
  auto rows = db.prepare("SELECT word, count FROM word_counts ORDER BY word");
  while (rows.step()) std::cout << rows.text(0) << " " << rows.int64(1) << "\n";
}

// ---- Input ------------------------------------------------------------------------------------

/// The sample input: three files, one per batch, with modification times fixed so that every
/// run replays the same batches.
fs::path writeSampleFiles() {
  std::string pattern =
      (fs::temp_directory_path() / ("exactly_once_sqlite_" + std::string(6, 'X'))).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a directory");
  const std::int64_t base = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC
  const std::vector<std::pair<std::string, std::int64_t>> files = {
      {"to be or not to be\nthat is the question\n", base + 200},
      {"to be is to do\n", base + 1'200},
      {"do be do be do\n", base + 2'700}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    fs::path path = fs::path(pattern) / ("part-" + std::to_string(i) + ".txt");
    std::ofstream(path) << files[i].first;
    std::int64_t ms = files[i].second;
    timespec times[2];
    times[0] = times[1] = timespec{static_cast<time_t>(ms / 1000), (ms % 1000) * 1'000'000};
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
      throw std::runtime_error("cannot set the time of " + path.string());
    }
  }
  return pattern;
}

/// The oldest and newest modification times (ms) of the regular files of `dir`.
std::optional<std::pair<std::int64_t, std::int64_t>> mtimeRange(const fs::path& dir) {
  std::optional<std::pair<std::int64_t, std::int64_t>> range;
  for (const auto& entry : fs::directory_iterator(dir)) {
    struct stat st {};
    if (!entry.is_regular_file() || ::stat(entry.path().c_str(), &st) != 0) continue;
    std::int64_t ms =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    if (!range) range = std::pair{ms, ms};
    range->first = std::min(range->first, ms);
    range->second = std::max(range->second, ms);
  }
  return range;
}

/// Wakes the replay when a batch completes; remembers whether one failed.
class BatchWaiter : public ember::StreamingListener {
 public:
  void onBatchCompleted(const ember::StreamingListenerBatchCompleted& e) override {
    std::lock_guard lock(mutex_);
    last_ = std::max(last_, e.batchInfo.batchTime.milliseconds());
    for (const auto& [id, op] : e.batchInfo.outputOperationInfos)
      failed_ |= op.failureReason.has_value();
    cv_.notify_all();
  }
  /// Waits (at most a minute) for batch `t`; false when it did not complete or a batch failed.
  bool await(std::int64_t t) {
    std::unique_lock lock(mutex_);
    bool done = cv_.wait_for(lock, std::chrono::minutes(1), [&] { return last_ >= t || failed_; });
    return done && !failed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::int64_t last_ = 0;
  bool failed_ = false;
};

// ---- The streaming program ----------------------------------------------------------------------

int run(const std::string& database, const fs::path& dir) {
  createTables(database);
  auto range = mtimeRange(dir);
  if (!range) {
    std::cerr << "exactly_once_sqlite: no files in " << dir.string() << "\n";
    return 0;
  }
  ember::Conf conf;
  conf.setMaster("local[2]")
      .setAppName("ExactlyOnceSqlite")
      .set("spark.streaming.clock", "ManualClock");
  // Remember every file of the replay, so that none is taken twice.
  conf.set("spark.streaming.fileStream.minRememberDuration",
           std::to_string((range->second - range->first) / 1000 + 60) + "s");
  ember::StreamingContext ssc(conf, ember::Milliseconds(kBatchMs));
  auto waiter = std::make_shared<BatchWaiter>();
  ssc.addStreamingListener(waiter);

  auto lines = ssc.fileStream<std::string>(dir.string(), ember::readLines, {},
                                           /*newFilesOnly=*/false);
  auto counts = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); })
                    .filter([](const std::string& word) { return !word.empty(); })
                    .map([](std::string word) {
                      return std::pair{std::move(word), 1};
                    })
                    .reduceByKey(std::plus<>{}, 2);
  auto report = std::make_shared<std::mutex>();
  counts.foreachRDD(
      [database, report](const ember::Rdd<std::pair<std::string, int>>& rdd, ember::Time time) {
        rdd.foreachPartition(
            [database, report, time](const std::vector<std::pair<std::string, int>>& part) {
              int partition = ember::TaskContext::get().partitionId();
              bool committed = commitPartition(database, time.milliseconds(), partition, part);
              std::lock_guard lock(*report);
              std::cout << "batch " << time.milliseconds() << " partition " << partition << ": "
                        << (committed ? "committed " + std::to_string(part.size()) + " words"
                                      : std::string("already committed, skipped"))
                        << "\n";
            });
      });

  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  // Files of mtime m go to the batch (m rounded up to a batch); the first batch covers the oldest.
  clock.setTime((range->first - 1) / kBatchMs * kBatchMs);
  ssc.start();
  ember::examples::printUiUrl(ssc);
  bool ok = true;
  while (ok && clock.getTimeMillis() < range->second) {
    clock.advance(kBatchMs);
    ok = waiter->await(clock.getTimeMillis());
  }
  if (!ok) {
    try {
      ssc.awaitTerminationOrTimeout(60'000);  // rethrows the failed batch's error
      std::cerr << "exactly_once_sqlite: batch " << clock.getTimeMillis()
                << " did not complete within a minute\n";
    } catch (const std::exception& e) {
      std::cerr << "exactly_once_sqlite: a batch failed: " << e.what() << "\n";
    }
    ssc.stop();
    return 1;
  }
  ssc.stop(true, true);
  printTable(database);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (args && args->help) return ember::examples::printHelp(kUsage);
  if (args && args->positional.size() > 2) error = "expected at most DATABASE and DIR";
  if (args && args->seconds) error = "--seconds is not an option here: the replay ends by itself";
  if (!args || !error.empty())
    return ember::examples::printUsage("exactly_once_sqlite", kUsage, error);
  std::string database = args->positional.empty() ? "wordcounts.db" : args->positional[0];
  try {
    if (args->positional.size() == 2) return run(database, args->positional[1]);
    fs::path samples = writeSampleFiles();
    int status = run(database, samples);
    fs::remove_all(samples);
    return status;
  } catch (const std::exception& e) {
    std::cerr << "exactly_once_sqlite: " << e.what() << "\n";
    return 1;
  }
}
