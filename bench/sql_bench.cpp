// SQL per batch: `select word, count(*) as total from words group by word` on one batch of words
// (1M by default, Zipf-distributed over 10,000 distinct words) through the DataFrame path (toDF,
// createOrReplaceTempView, session.sql, collect) against the same count by reduceByKey, and a
// hand-written single-threaded loop (the baseline). The SQL time is split into loading the
// view, running the query, and reading its rows back.
//
// Every variant's counts are compared with the baseline's; a difference ends the run (status 2).
// Variants run interleaved, several rounds; the best and the median are reported.
//
// Usage: sql_bench [--words=1000000] [--distinct=10000] [--partitions=2] [--reps=5] [--seed=N]

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <ember/ember.hpp>
#include <ember/sql.hpp>

#include "bench_args.hpp"

namespace {

using Counts = std::map<std::string, std::int64_t>;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::size_t words = 1'000'000;
  int distinct = 10'000;
  int partitions = 2;
  int reps = 5;
  std::uint64_t seed = 20240917;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("words")) {
      o.words = std::stoul(*v);
    } else if (auto v = value("distinct")) {
      o.distinct = std::stoi(*v);
    } else if (auto v = value("partitions")) {
      o.partitions = std::stoi(*v);
    } else if (auto v = value("reps")) {
      o.reps = std::stoi(*v);
    } else if (auto v = value("seed")) {
      o.seed = std::stoull(*v);
    } else {
      ember::bench::failRun("sql_bench", "unknown argument " + std::string(arg));
    }
  }
  if (o.words < 1 || o.distinct < 1 || o.partitions < 1 || o.reps < 1) {
    ember::bench::failRun("sql_bench", "every option must be positive");
  }
  return o;
}

/// `n` words drawn by rank r with probability proportional to 1/r over `distinct` words of 3-10
/// letters. Draws are made by hand from mt19937_64 so that the input is the same everywhere.
std::vector<std::string> generateWords(const Options& o) {
  std::mt19937_64 rng(o.seed);
  std::vector<std::string> vocabulary;
  std::map<std::string, bool> seen;
  while (vocabulary.size() < static_cast<std::size_t>(o.distinct)) {
    std::string w(3 + rng() % 8, 'a');
    for (auto& c : w) c = static_cast<char>('a' + rng() % 26);
    if (seen.emplace(w, true).second) vocabulary.push_back(std::move(w));
  }
  std::vector<double> cdf(vocabulary.size());
  double sum = 0;
  for (std::size_t r = 0; r < cdf.size(); ++r) cdf[r] = sum += 1.0 / static_cast<double>(r + 1);
  for (auto& c : cdf) c /= sum;
  std::vector<std::string> words;
  words.reserve(o.words);
  for (std::size_t i = 0; i < o.words; ++i) {
    double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    auto r = static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    words.push_back(vocabulary[std::min(r, vocabulary.size() - 1)]);
  }
  return words;
}

/// CPU time of the whole process (all threads), in seconds: less hurt by a busy machine.
double processCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double secondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

Counts fromRows(const std::vector<ember::sql::Row>& rows) {
  Counts counts;
  for (const auto& row : rows) counts[row.getString(0)] = row.getLong(1);
  return counts;
}

struct Variant {
  Variant(std::string n, std::function<Counts(std::vector<double>&)> f,
          std::vector<std::string> p = {})
      : name(std::move(n)), run(std::move(f)), phases(std::move(p)) {}
  std::string name;
  std::function<Counts(std::vector<double>& parts)> run;  // parts: seconds of each phase
  std::vector<std::string> phases;
  std::vector<std::vector<double>> times;  // per rep: total, then the phases
  std::vector<double> cpu;                 // per rep: process CPU seconds
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parseOptions(argc, argv);
  std::printf("sql_bench: %zu words, %d distinct, %d partitions, local[2], %d reps\n", o.words,
              o.distinct, o.partitions, o.reps);
  auto input = generateWords(o);
  ember::Engine engine("local[2]", "sql_bench");
  auto rdd = engine.parallelize(input, o.partitions).cache();
  rdd.count();  // the batch is in memory before any variant reads it, as a received batch is
  auto session = ember::sql::SparkSession::getOrCreate(engine);
  const std::string query = "select word, count(*) as total from words group by word";

  std::vector<Variant> variants;
  variants.push_back({
      "hand-written loop (1 thread)",
      [&](std::vector<double>&) {
        absl::flat_hash_map<std::string_view, std::int64_t> map;
        for (const auto& w : input) ++map[w];
        Counts counts;
        for (const auto& [w, n] : map) counts.emplace(std::string(w), n);
        return counts;
      },
  });
  variants.push_back({
      "reduceByKey",
      [&](std::vector<double>&) {
        auto pairs = rdd.map([](const std::string& w) {
                          return std::pair<std::string, std::int64_t>{w, 1};
                        })
                         .reduceByKey(std::plus<>{})
                         .collect();
        return Counts(pairs.begin(), pairs.end());
      },
  });
  variants.push_back({"SQL: toDF + view + sql + collect",
                      [&](std::vector<double>& parts) {
                        auto t0 = SteadyClock::now();
                        ember::sql::toDF(rdd, "word").createOrReplaceTempView("words");
                        parts.push_back(secondsSince(t0));
                        // The query alone: the same grouping, one row read back.
                        auto t1 = SteadyClock::now();
                        session.sql("select count(*) from (" + query + ")").collect();
                        parts.push_back(secondsSince(t1));
                        auto t2 = SteadyClock::now();
                        auto rows = session.sql(query).collect();
                        double with_rows = secondsSince(t2);
                        parts.push_back(std::max(0.0, with_rows - parts[1]));
                        return fromRows(rows);
                      },
                      {"loading", "query", "reading back"}});
  variants.push_back({
      "DataFrame: groupBy(word).count()",
      [&](std::vector<double>&) {
        return fromRows(ember::sql::toDF(rdd, "word").groupBy("word").count().collect());
      },
  });

  Counts expected;
  for (int rep = 0; rep < o.reps; ++rep) {
    for (auto& v : variants) {
      std::vector<double> parts;
      auto start = SteadyClock::now();
      double cpu0 = processCpuSeconds();
      Counts counts = v.run(parts);
      v.cpu.push_back(processCpuSeconds() - cpu0);
      // The SQL variant's total does not include the query run only to time it.
      double total = secondsSince(start) - (parts.size() == 3 ? parts[1] : 0.0);
      if (expected.empty()) expected = counts;
      if (counts != expected) ember::bench::failRun("sql_bench", v.name + ": wrong counts");
      std::vector<double> row{total};
      row.insert(row.end(), parts.begin(), parts.end());
      v.times.push_back(row);
    }
  }
  double base = 0;
  std::printf("%-36s %10s %10s %12s %10s\n", "variant", "best ms", "median ms", "Mwords/s",
              "x loop");
  for (auto& v : variants) {
    std::vector<double> totals;
    for (const auto& t : v.times) totals.push_back(t[0]);
    double best = *std::min_element(totals.begin(), totals.end());
    if (base == 0) base = best;
    std::printf("%-36s %10.1f %10.1f %12.2f %10.2f %12.1f\n", v.name.c_str(), best * 1e3,
                median(totals) * 1e3, static_cast<double>(o.words) / best / 1e6, best / base,
                *std::min_element(v.cpu.begin(), v.cpu.end()) * 1e3);
    for (std::size_t p = 0; p < v.phases.size(); ++p) {
      std::vector<double> phase;
      for (const auto& t : v.times) phase.push_back(t[p + 1]);
      std::printf("  %-34s %10.1f %10.1f\n", v.phases[p].c_str(),
                  *std::min_element(phase.begin(), phase.end()) * 1e3, median(phase) * 1e3);
    }
  }
  std::printf("counts agree: %zu distinct words, %zu words\n", expected.size(), o.words);
  session.stop();
  engine.stop();
  return 0;
}
