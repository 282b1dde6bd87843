#pragma once

// A view over what a stream remembers (SQL-03): after each batch it holds the rows of every
// batch the stream still remembers, oldest first, so that a query from another thread sees old
// batches for as long as `ssc.remember` (or a window) keeps them, and no longer.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/sql/dataframe.hpp"
#include "ember/sql/spark_session.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/ops/output.hpp"

namespace ember::sql {

/// Registers, as an output operation of `stream` (call it before the context starts), a view
/// named `name` in the session of the stream's engine. After each batch the view holds the rows
/// of every batch the stream remembers (its slice up to the batch), columns named by `names` as
/// in toDF. Each batch is loaded into the SQL engine once; a batch the stream forgets leaves the
/// view at the next batch and its table is dropped. Throws IllegalArgumentError for an empty
/// name or a wrong count of names (at the first batch, which then fails).
template <class T>
void createOrReplaceTempView(const DStream<T>& stream, const std::string& name,
                             std::vector<std::string> names = {}) {
  if (name.empty())
    throw IllegalArgumentError("createOrReplaceTempView: the name must not be empty");
  struct Frames {
    std::mutex mutex;
    std::map<int, DataFrame> by_rdd;  // the frame of each remembered RDD, by RDD id
  };
  auto frames = std::make_shared<Frames>();
  stream.foreachRDD([stream, name, names, frames](const Rdd<T>& rdd, Time time) {
    SparkSession session = SparkSession::getOrCreate(rdd.context());
    std::lock_guard lock(frames->mutex);
    std::map<int, DataFrame> kept;
    std::vector<DataFrame> parts;
    for (const auto& remembered : stream.slice(Time(0), time)) {
      auto it = frames->by_rdd.find(remembered.id());
      DataFrame frame =
          it != frames->by_rdd.end() ? it->second : session.createDataFrame(remembered, names);
      kept.insert_or_assign(remembered.id(), frame);
      parts.push_back(frame);
    }
    if (parts.empty()) parts.push_back(session.createDataFrame(rdd, names));
    unionAll(parts).createOrReplaceTempView(name);
    frames->by_rdd = std::move(kept);
  });
}

}  // namespace ember::sql
