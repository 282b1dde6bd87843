// The guide's SqlNetworkWordCount: counts the words of the lines a TCP server sends, in
// one-second batches, with SQL on a DataFrame of each batch.
//
//   sql_network_wordcount HOST PORT [--seconds N]   read lines from HOST:PORT (e.g. `nc -lk 9999`)
//   sql_network_wordcount [--seconds N]             read from an embedded server on 127.0.0.1
//                                                    that sends the lines of kSentences
//
// Each batch prints "========= <batch time> =========" and the table of word counts. Without
// --seconds it runs until killed; with it, it stops gracefully after N seconds and exits 0. Bad
// arguments print the usage and exit 2; --help prints it and exits 0.

#include <iostream>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/sql.hpp"
#include "example_args.hpp"
#include "line_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: sql_network_wordcount [HOST PORT] [--seconds N]\n"
    "  HOST PORT    the server to read lines of text from (e.g. `nc -lk 9999` on localhost)\n"
    "               without them, an embedded server sends sample lines\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

/// What the embedded server sends, in this order, over and over (a line never spans two
/// batches, so every table has to = be = 2 x or = 2 x not, and hello = world + ember).
const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

/// The guide's Java bean JavaRow: one word.
struct Record {
  std::string word;
};

int usage(const std::string& error) {
  return ember::examples::printUsage("sql_network_wordcount", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  auto source =
      ember::examples::openLineSource(args->positional, kSentences, "sql_network_wordcount", error);
  if (!source) return usage(error);

  ember::StreamingContext ssc("local[2]", "SqlNetworkWordCount", ember::Seconds(1));
  try {
    auto lines = ssc.socketTextStream(source->host, source->port);
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    // Convert the words of each batch to a DataFrame and count them with SQL.
    words.foreachRDD([](const ember::Rdd<std::string>& rdd, ember::Time time) {
      // The session is made on first use and made again after a restart (SQL-01).
      auto spark =
          ember::sql::SparkSession::builder().config(rdd.context().getConf()).getOrCreate();
      auto wordsDataFrame =
          ember::sql::toDF(rdd.map([](const std::string& w) { return Record{w}; }), "word");
      wordsDataFrame.createOrReplaceTempView("words");
      auto wordCountsDataFrame =
          spark.sql("select word, count(*) as total from words group by word");
      std::cout << "========= " << time.toString() << " =========\n";
      wordCountsDataFrame.show();
    });
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
