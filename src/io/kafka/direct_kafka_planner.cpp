#include "ember/io/kafka/direct_kafka_planner.hpp"

#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <algorithm>
#include <cmath>
#include <regex>

#include "ember/core/logging.hpp"
#include "streaming/rate_estimator.hpp"

namespace ember::detail {

namespace {

using Kind = ConsumerStrategySpec::Kind;

std::int64_t confLong(const Conf& conf, const char* key, std::int64_t fallback) {
  try {
    return conf.getLong(key, fallback);
  } catch (const Error& e) {
    throw IllegalArgumentError(std::string("configuration ") + key +
                               " must be a whole number: " + e.what());
  }
}

std::string resetPolicy(const KafkaParams& params) {
  auto it = params.find("auto.offset.reset");
  return it == params.end() ? "latest" : it->second;  // Kafka's default
}

std::string showOffsets(const std::map<TopicPartition, std::int64_t>& offsets) {
  std::string out = "{";
  for (const auto& [tp, offset] : offsets) {
    if (out.size() > 1) out += ", ";
    out += tp.toString() + "=" + std::to_string(offset);
  }
  return out + "}";
}

}  // namespace

std::string ConsumerStrategySpec::describe() const {
  std::string out;
  switch (kind) {
    case Kind::kSubscribe:
      out = "Subscribe(";
      for (std::size_t i = 0; i < topics.size(); ++i) out += (i ? ", " : "") + topics[i];
      break;
    case Kind::kSubscribePattern:
      out = "SubscribePattern(" + pattern;
      break;
    case Kind::kAssign:
      out = "Assign(";
      for (std::size_t i = 0; i < partitions.size(); ++i) {
        out += (i ? ", " : "") + partitions[i].toString();
      }
      break;
  }
  return out + ")";
}

std::optional<std::map<TopicPartition, std::int64_t>> maxMessagesPerPartition(
    const std::map<TopicPartition, std::int64_t>& lags, double rate, std::int64_t max_rate,
    std::int64_t min_rate, std::int64_t batch_ms) {
  std::map<TopicPartition, double> limits;
  if (rate > 0) {
    std::int64_t total = 0;
    for (const auto& [tp, lag] : lags) total += std::max<std::int64_t>(lag, 0);
    if (total == 0) return std::nullopt;  // nothing to split (Spark's NaN case)
    for (const auto& [tp, lag] : lags) {
      double share =
          static_cast<double>(std::max<std::int64_t>(lag, 0)) / static_cast<double>(total) * rate;
      limits[tp] = max_rate > 0 ? std::min(share, static_cast<double>(max_rate)) : share;
    }
  } else {
    for (const auto& [tp, lag] : lags) limits[tp] = static_cast<double>(max_rate);
  }
  double sum = 0;
  for (const auto& [tp, limit] : limits) sum += limit;
  if (!(sum > 0)) return std::nullopt;
  double seconds = static_cast<double>(batch_ms) / 1000.0;
  std::map<TopicPartition, std::int64_t> out;
  for (const auto& [tp, limit] : limits) {
    out[tp] = std::max(static_cast<std::int64_t>(seconds * limit), min_rate);
  }
  return out;
}

DirectKafkaPlanner::DirectKafkaPlanner(ConsumerStrategySpec spec, const Conf& conf, Duration batch)
    : spec_(std::move(spec)),
      executor_params_(executorKafkaParams(spec_.params)),
      batch_ms_(batch.milliseconds()),
      query_timeout_ms_(conf.getTimeAsMs("spark.streaming.kafka.metadata.timeout", 10'000)),
      poll_timeout_ms_(confLong(conf, "spark.streaming.kafka.consumer.poll.ms",
                                conf.getTimeAsMs("spark.network.timeout", 120'000))),
      max_rate_(confLong(conf, "spark.streaming.kafka.maxRatePerPartition", 0)),
      min_rate_(confLong(conf, "spark.streaming.kafka.minRatePerPartition", 1)),
      backpressure_(conf.getBoolean("spark.streaming.backpressure.enabled", false)),
      initial_rate_(confLong(conf, "spark.streaming.backpressure.initialRate", 0)),
      remember_window_ms_(conf.getTimeAsMs("spark.streaming.minRememberDuration", 60'000)),
      reset_(resetPolicy(spec_.params)) {
  const char* op = "createDirectStream";
  checkKafkaParams(spec_.params, op);
  if (spec_.kind == Kind::kSubscribe && spec_.topics.empty()) {
    throw IllegalArgumentError("createDirectStream: Subscribe needs at least one topic");
  }
  if (spec_.kind == Kind::kAssign && spec_.partitions.empty()) {
    throw IllegalArgumentError("createDirectStream: Assign needs at least one topic-partition");
  }
  if (spec_.kind == Kind::kSubscribePattern) {
    try {
      std::regex check(spec_.pattern);
    } catch (const std::regex_error& e) {
      throw IllegalArgumentError("createDirectStream: SubscribePattern \"" + spec_.pattern +
                                 "\" is not a regular expression: " + e.what());
    }
  }
  for (const auto& [tp, offset] : spec_.offsets) {
    if (offset < 0) {
      throw IllegalArgumentError("createDirectStream: starting offset " + std::to_string(offset) +
                                 " of " + tp.toString() + " must not be negative");
    }
  }
  if (max_rate_ < 0) {
    throw IllegalArgumentError(
        "spark.streaming.kafka.maxRatePerPartition must not be negative (0: no limit), got " +
        std::to_string(max_rate_));
  }
  if (min_rate_ < 1) {
    throw IllegalArgumentError("spark.streaming.kafka.minRatePerPartition must be positive, got " +
                               std::to_string(min_rate_));
  }
  if (query_timeout_ms_ <= 0 || poll_timeout_ms_ <= 0) {
    throw IllegalArgumentError(
        "spark.streaming.kafka.metadata.timeout and spark.streaming.kafka.consumer.poll.ms must "
        "be positive");
  }
  if (backpressure_) estimator_ = makeRateEstimator(conf, batch);
}

DirectKafkaPlanner::~DirectKafkaPlanner() = default;

// ---- Partitions and starting offsets ----------------------------------------------------------

std::vector<TopicPartition> DirectKafkaPlanner::currentPartitions(std::string& notes) {
  std::vector<TopicPartition> out = listPartitions(notes);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<TopicPartition> DirectKafkaPlanner::listPartitions(std::string& notes) {
  if (spec_.kind == Kind::kAssign) return spec_.partitions;
  std::vector<TopicPartition> out;
  try {
    if (spec_.kind == Kind::kSubscribePattern)
      return client_->partitionsMatching(std::regex(spec_.pattern));
    auto topics = client_->listTopics();
    for (const auto& topic : spec_.topics) {
      auto it = topics.find(topic);
      if (it == topics.end()) {
        notes += "topic: " + topic + " does not exist (yet)\n";
        continue;
      }
      for (int p : it->second) out.push_back({topic, p});
    }
  } catch (const KafkaError& e) {
    // The brokers did not answer: the partitions known so far go on, with empty ranges.
    notes += std::string("cannot list partitions: ") + e.what() + "\n";
    std::lock_guard lock(mutex_);
    out.clear();
    for (const auto& [tp, offset] : positions_) out.push_back(tp);
  }
  return out;
}

std::optional<std::int64_t> DirectKafkaPlanner::startingOffset(
    const TopicPartition& tp, const Watermarks& w,
    const std::map<TopicPartition, std::int64_t>& committed) {
  if (auto it = spec_.offsets.find(tp); it != spec_.offsets.end()) return it->second;
  if (auto it = committed.find(tp); it != committed.end()) return it->second;
  if (reset_ == "earliest") return w.low;
  if (reset_ == "latest") return w.high;
  throw OffsetOutOfRangeError(
      "Undefined offset with no reset policy for partitions: " + tp.toString() +
      " (auto.offset.reset is none and group " +
      (spec_.params.contains("group.id") ? spec_.params.at("group.id") : std::string("(none)")) +
      " has no committed offset)");
}

void DirectKafkaPlanner::start(int input_stream_id) {
  std::lock_guard planning(plan_mutex_);
  stopped_ = false;
  input_stream_id_ = input_stream_id;
  KafkaParams driver = spec_.params;
  client_ = std::make_unique<KafkaDriverClient>(driver, query_timeout_ms_);
  std::map<std::string, std::vector<int>> topics;
  try {
    topics = client_->listTopics();
  } catch (const KafkaError& e) {
    logger()->warn("Kafka stream {}: {}; starting offsets are found at the first batch",
                   spec_.describe(), e.what());
    return;
  }
  if (spec_.kind == Kind::kAssign) {
    for (const auto& tp : spec_.partitions) {
      auto it = topics.find(tp.topic);
      if (it == topics.end() ||
          !std::binary_search(it->second.begin(), it->second.end(), tp.partition)) {
        throw KafkaError("Assign: " + tp.toString() + " does not exist in the cluster (topic " +
                         (it == topics.end()
                              ? "unknown"
                              : "has " + std::to_string(it->second.size()) + " partitions") +
                         ")");
      }
    }
  }
  std::string notes;
  std::vector<TopicPartition> partitions = currentPartitions(notes);
  std::vector<TopicPartition> fresh;
  {
    std::lock_guard lock(mutex_);
    for (const auto& tp : partitions) {
      if (!positions_.contains(tp)) fresh.push_back(tp);
    }
  }
  if (fresh.empty()) return;
  WatermarkQuery q = client_->watermarks(fresh);
  std::map<TopicPartition, std::int64_t> committed;
  if (spec_.params.contains("group.id")) {
    try {
      committed = client_->committed(fresh);
    } catch (const KafkaError& e) {
      logger()->warn("Kafka stream {}: {}; starting offsets are found at the first batch",
                     spec_.describe(), e.what());
      return;
    }
  }
  std::map<TopicPartition, std::int64_t> found;
  for (const auto& [tp, w] : q.offsets) {
    if (auto offset = startingOffset(tp, w, committed)) found[tp] = *offset;
  }
  std::lock_guard lock(mutex_);
  for (const auto& [tp, offset] : found) positions_.emplace(tp, offset);
}

void DirectKafkaPlanner::stop() {
  std::lock_guard planning(plan_mutex_);
  stopped_ = true;
  if (!client_) return;
  sendCommits();
  client_->awaitCommits(query_timeout_ms_);
  client_.reset();
  releaseIdleConsumers(executor_params_);
}

// ---- Batches ----------------------------------------------------------------------------------

PlannedBatch DirectKafkaPlanner::describe(std::vector<OffsetRange> ranges,
                                          std::string notes) const {
  PlannedBatch batch;
  for (const auto& r : ranges) {
    if (r.count() == 0) continue;
    batch.records += r.count();
    batch.description += "topic: " + r.topic + " partition: " + std::to_string(r.partition) +
                         " offsets: " + std::to_string(r.fromOffset) + " to " +
                         std::to_string(r.untilOffset) + " count: " + std::to_string(r.count()) +
                         "\n";
  }
  batch.description += notes;
  batch.problems = std::move(notes);
  batch.ranges = std::move(ranges);
  return batch;
}

PlannedBatch DirectKafkaPlanner::plan(Time time) {
  {
    std::lock_guard lock(mutex_);
    // A batch planned before (a restored one, or one that a stream recomputes after a restart,
    // from a data checkpoint on) reads the same ranges again.
    if (auto it = ranges_.find(time); it != ranges_.end()) {
      PlannedBatch batch = describe(it->second, {});
      batch.replanned = true;
      return batch;
    }
    if (!ranges_.empty() && time < ranges_.rbegin()->first) {
      throw IllegalStateError("the Kafka stream " + spec_.describe() + " no longer knows the " +
                              "offset ranges of batch " + time.toString() +
                              ": it keeps them for spark.streaming.minRememberDuration");
    }
  }
  std::lock_guard planning(plan_mutex_);
  if (stopped_) {
    // A batch the timer generates while the context stops: nothing new is taken.
    std::vector<OffsetRange> ranges;
    for (const auto& [tp, offset] : positions()) {
      ranges.push_back(OffsetRange{tp.topic, tp.partition, offset, offset});
    }
    return describe(std::move(ranges), "the stream is stopping\n");
  }
  if (!client_) throw IllegalStateError("the Kafka stream " + spec_.describe() + " is not started");
  sendCommits();
  client_->serveCallbacks();

  std::string notes;
  std::vector<TopicPartition> partitions = currentPartitions(notes);
  WatermarkQuery q = client_->watermarks(partitions);
  std::map<TopicPartition, std::int64_t> positions;
  {
    std::lock_guard lock(mutex_);
    positions = positions_;
  }

  // Partitions seen for the first time: their starting offsets.
  std::vector<TopicPartition> fresh;
  for (const auto& tp : partitions) {
    if (!positions.contains(tp) && q.offsets.contains(tp)) fresh.push_back(tp);
  }
  std::map<TopicPartition, std::int64_t> committed;
  bool committed_known = true;
  if (!fresh.empty() && spec_.params.contains("group.id")) {
    try {
      committed = client_->committed(fresh);
    } catch (const KafkaError& e) {
      committed_known = false;  // those partitions wait for the next batch
      notes += std::string("cannot read committed offsets: ") + e.what() + "\n";
    }
  }
  if (committed_known) {
    for (const auto& tp : fresh) {
      if (auto offset = startingOffset(tp, q.offsets.at(tp), committed)) positions[tp] = *offset;
    }
  }

  // Positions outside what the brokers hold: auto.offset.reset.
  std::map<TopicPartition, std::int64_t> out_of_range;
  std::map<TopicPartition, std::int64_t> lags;
  for (const auto& tp : partitions) {
    auto pos = positions.find(tp);
    auto w = q.offsets.find(tp);
    if (pos == positions.end() || w == q.offsets.end()) continue;
    if (pos->second < w->second.low || pos->second > w->second.high) {
      if (reset_ == "earliest") {
        pos->second = w->second.low;
      } else if (reset_ == "latest") {
        pos->second = w->second.high;
      } else {
        out_of_range[tp] = pos->second;
        continue;
      }
    }
    lags[tp] = w->second.high - pos->second;
  }
  if (!out_of_range.empty()) {
    throw OffsetOutOfRangeError(
        "Offsets out of range with no configured reset policy for "
        "partitions: " +
        showOffsets(out_of_range));
  }

  double rate = 0;
  if (estimator_) {
    std::int64_t latest = latestRate();
    rate = static_cast<double>(latest > 0 ? latest : initial_rate_);
  }
  auto limits = maxMessagesPerPartition(lags, rate, max_rate_, min_rate_, batch_ms_);

  std::vector<OffsetRange> ranges;
  for (const auto& tp : partitions) {
    auto pos = positions.find(tp);
    if (pos == positions.end()) continue;  // not started yet: no offsets answered
    std::int64_t from = pos->second;
    std::int64_t until = from;
    if (auto w = q.offsets.find(tp); w != q.offsets.end()) {
      until = w->second.high;
      if (limits) until = std::min(until, from + limits->at(tp));
    } else {
      notes += "topic: " + tp.topic + " partition: " + std::to_string(tp.partition) +
               " unavailable: " + q.unavailable[tp] + "\n";
      if (reported_unavailable_.insert(tp).second) {
        logger()->warn(
            "Kafka stream {}: {} unavailable ({}); its range stays empty until it "
            "answers",
            spec_.describe(), tp.toString(), q.unavailable[tp]);
      }
    }
    if (q.offsets.contains(tp) && reported_unavailable_.erase(tp) > 0) {
      logger()->info("Kafka stream {}: {} available again", spec_.describe(), tp.toString());
    }
    ranges.push_back(OffsetRange{tp.topic, tp.partition, from, until});
    pos->second = until;
  }
  {
    std::lock_guard lock(mutex_);
    positions_ = positions;
    ranges_[time] = ranges;
  }
  return describe(std::move(ranges), std::move(notes));
}

void DirectKafkaPlanner::forgetBefore(Time threshold) {
  // Kept longer than the stream remembers its RDDs: after a restart, a stream built on its
  // previous batches (updateStateByKey) recomputes the batches since its last data checkpoint,
  // and their input must be the same records.
  Time keep_after = threshold - Duration(remember_window_ms_);
  std::lock_guard lock(mutex_);
  // The newest is never dropped: it says which batch times are past.
  while (ranges_.size() > 1 && ranges_.begin()->first <= keep_after) ranges_.erase(ranges_.begin());
}

// ---- Commits and rate -------------------------------------------------------------------------

void DirectKafkaPlanner::commitAsync(const std::vector<OffsetRange>& ranges,
                                     OffsetCommitCallback callback) {
  if (!spec_.params.contains("group.id")) {
    throw IllegalStateError("commitAsync: kafkaParams have no group.id to commit offsets for");
  }
  Commit commit;
  for (const auto& r : ranges) commit.offsets[r.topicPartition()] = r.untilOffset;
  commit.callback = std::move(callback);
  std::lock_guard lock(mutex_);
  commits_.push_back(std::move(commit));
}

void DirectKafkaPlanner::sendCommits() {
  std::vector<Commit> commits;
  {
    std::lock_guard lock(mutex_);
    commits.swap(commits_);
  }
  for (auto& c : commits) client_->commitAsync(c.offsets, std::move(c.callback));
}

void DirectKafkaPlanner::onBatchCompleted(const BatchInfo& info) {
  if (!estimator_) return;
  auto input = info.streamIdToInputInfo.find(input_stream_id_);
  if (input == info.streamIdToInputInfo.end()) return;
  auto processing = info.processingDelay();
  auto scheduling = info.schedulingDelay();
  if (!info.processingEndTime || !processing || !scheduling) return;
  auto rate = estimator_->compute(*info.processingEndTime, input->second.numRecords, *processing,
                                  *scheduling);
  if (!rate) return;
  std::lock_guard lock(mutex_);
  latest_rate_ = static_cast<std::int64_t>(*rate);
}

std::int64_t DirectKafkaPlanner::latestRate() const {
  std::lock_guard lock(mutex_);
  return latest_rate_;
}

std::map<TopicPartition, std::int64_t> DirectKafkaPlanner::positions() const {
  std::lock_guard lock(mutex_);
  return positions_;
}

// ---- Checkpoints ------------------------------------------------------------------------------

void DirectKafkaPlanner::save(cereal::BinaryOutputArchive& ar) const {
  std::lock_guard lock(mutex_);
  std::map<std::int64_t, std::vector<OffsetRange>> ranges;
  for (const auto& [t, r] : ranges_) ranges.emplace(t.milliseconds(), r);
  ar(positions_, ranges);
}

void DirectKafkaPlanner::load(cereal::BinaryInputArchive& ar) {
  std::map<TopicPartition, std::int64_t> positions;
  std::map<std::int64_t, std::vector<OffsetRange>> ranges;
  try {
    ar(positions, ranges);
  } catch (const cereal::Exception& e) {
    throw SerializationError(std::string("cannot load a Kafka stream's offsets: ") + e.what());
  }
  std::lock_guard lock(mutex_);
  positions_ = std::move(positions);
  ranges_.clear();
  for (auto& [ms, r] : ranges) ranges_.emplace(Time(ms), std::move(r));
}

}  // namespace ember::detail
