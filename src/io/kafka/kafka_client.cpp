#include "ember/io/kafka/kafka_client.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ember/core/logging.hpp"
#include "rdkafka_handles.hpp"

namespace ember::detail {

namespace {

using SteadyClock = std::chrono::steady_clock;

int clampTimeout(std::int64_t ms) {
  return static_cast<int>(std::max<std::int64_t>(0, std::min<std::int64_t>(ms, 1 << 30)));
}

RdPartitionList makeList(const std::vector<TopicPartition>& partitions, std::int64_t offset) {
  RdPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  return list;
}

std::map<TopicPartition, std::int64_t> offsetsOf(const rd_kafka_topic_partition_list_t* list) {
  std::map<TopicPartition, std::int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    out[TopicPartition{e.topic, e.partition}] = e.offset;
  }
  return out;
}

RawKafkaRecord toRaw(const rd_kafka_message_t* m) {
  RawKafkaRecord r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  r.timestamp = rd_kafka_message_timestamp(m, &type);
  r.timestampType = type == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? TimestampType::CREATE_TIME
                    : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TimestampType::LOG_APPEND_TIME
                                                                 : TimestampType::NO_TIMESTAMP_TYPE;
  if (m->key != nullptr) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) r.value.emplace(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      KafkaHeader h{name, std::nullopt};
      if (value != nullptr) h.value.emplace(static_cast<const char*>(value), size);
      r.headers.push_back(std::move(h));
    }
  }
  return r;
}

}  // namespace

RawKafkaRecord rawOf(const rd_kafka_message_t* m) {
  return toRaw(m);
}

// ---- The driver's consumer --------------------------------------------------------------------

struct KafkaDriverClient::Impl {
  RdKafka rk;
  RdQueue commit_queue;
  std::int64_t timeout_ms = 0;
  bool has_group = false;
  std::mutex mutex;  // one metadata or offsets request at a time
  std::mutex commit_mutex;
  std::condition_variable commit_done;
  int commits_pending = 0;  // guarded by commit_mutex

  struct Commit {
    Impl* impl;
    OffsetCommitCallback callback;
  };

  static void onCommit(rd_kafka_t*, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    std::unique_ptr<Commit> commit(static_cast<Commit*>(opaque));
    std::map<TopicPartition, std::int64_t> committed;
    if (offsets != nullptr) committed = offsetsOf(offsets);
    std::exception_ptr error;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && offsets != nullptr) {
      for (int i = 0; i < offsets->cnt; ++i) {
        if (offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          err = offsets->elems[i].err;
          break;
        }
      }
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      error = std::make_exception_ptr(KafkaError(describeKafkaError("offset commit failed", err)));
    }
    if (commit->callback) {
      try {
        commit->callback(committed, error);
      } catch (...) {
        logger()->warn("an offset commit callback threw: {}",
                       describeException(std::current_exception()));
      }
    }
    std::lock_guard lock(commit->impl->commit_mutex);
    --commit->impl->commits_pending;
    commit->impl->commit_done.notify_all();
  }
};

KafkaDriverClient::KafkaDriverClient(const KafkaParams& params, std::int64_t timeout_ms)
    : impl_(std::make_unique<Impl>()) {
  KafkaParams driver = params;
  driver["enable.auto.commit"] = "false";
  driver.erase("auto.offset.reset");  // the stream applies it itself
  impl_->has_group = params.contains("group.id");
  impl_->timeout_ms = timeout_ms;
  impl_->rk = makeRdKafka(RD_KAFKA_CONSUMER, makeRdConf(driver, "Kafka driver consumer"),
                          "Kafka driver consumer");
  impl_->commit_queue.reset(rd_kafka_queue_new(impl_->rk.get()));
}

KafkaDriverClient::~KafkaDriverClient() {
  awaitCommits(impl_->timeout_ms);
  impl_->commit_queue.reset();
  rd_kafka_consumer_close(impl_->rk.get());
}

std::map<std::string, std::vector<int>> KafkaDriverClient::listTopics() {
  std::lock_guard lock(impl_->mutex);
  return listTopicsLocked(nullptr);
}

std::map<std::string, std::vector<int>> KafkaDriverClient::listTopicsLocked(
    std::map<TopicPartition, int>* leaders) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(impl_->rk.get(), 1, nullptr, &md, clampTimeout(impl_->timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(describeKafkaError("cannot list the cluster's topics", err));
  }
  std::map<std::string, std::vector<int>> topics;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    std::string name = t.topic;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR || name.starts_with("__")) continue;
    std::vector<int>& partitions = topics[name];
    for (int p = 0; p < t.partition_cnt; ++p) {
      partitions.push_back(t.partitions[p].id);
      if (leaders != nullptr)
        (*leaders)[TopicPartition{name, t.partitions[p].id}] = t.partitions[p].leader;
    }
    std::sort(partitions.begin(), partitions.end());
  }
  rd_kafka_metadata_destroy(md);
  return topics;
}

std::optional<std::vector<TopicPartition>> KafkaDriverClient::partitionsOf(
    const std::string& topic) {
  auto topics = listTopics();
  auto it = topics.find(topic);
  if (it == topics.end()) return std::nullopt;
  std::vector<TopicPartition> out;
  for (int p : it->second) out.push_back({topic, p});
  return out;
}

std::vector<TopicPartition> KafkaDriverClient::partitionsMatching(const std::regex& pattern) {
  std::vector<TopicPartition> out;
  for (const auto& [topic, partitions] : listTopics()) {
    if (!std::regex_match(topic, pattern)) continue;
    for (int p : partitions) out.push_back({topic, p});
  }
  return out;
}

WatermarkQuery KafkaDriverClient::watermarks(const std::vector<TopicPartition>& partitions) {
  WatermarkQuery result;
  if (partitions.empty()) return result;
  std::lock_guard lock(impl_->mutex);
  // One query per leader, all at once: a leader that does not answer delays only its own
  // partitions, and each of them is reported unavailable.
  std::map<TopicPartition, int> leaders;
  try {
    listTopicsLocked(&leaders);
  } catch (const KafkaError&) {
    // No metadata: one query for all of them.
  }
  std::map<int, std::vector<TopicPartition>> by_leader;
  for (const auto& tp : partitions) {
    auto it = leaders.find(tp);
    by_leader[it != leaders.end() ? it->second : -1].push_back(tp);
  }
  std::vector<WatermarkQuery> answers(by_leader.size());
  auto ask = [this](const std::vector<TopicPartition>& group, WatermarkQuery& out) {
    // Kafka's ListOffsets: timestamp -2 asks for the earliest offset, -1 for the latest.
    std::map<TopicPartition, std::int64_t> found[2];
    for (int which = 0; which < 2; ++which) {
      RdPartitionList list = makeList(group, which == 0 ? -2 : -1);
      rd_kafka_resp_err_t err =
          rd_kafka_offsets_for_times(impl_->rk.get(), list.get(), clampTimeout(impl_->timeout_ms));
      for (int i = 0; i < list->cnt; ++i) {
        const auto& e = list->elems[i];
        TopicPartition tp{e.topic, e.partition};
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR && e.err == RD_KAFKA_RESP_ERR_NO_ERROR &&
            e.offset >= 0) {
          found[which][tp] = e.offset;
        } else if (!out.unavailable.contains(tp)) {
          rd_kafka_resp_err_t why = e.err != RD_KAFKA_RESP_ERR_NO_ERROR ? e.err : err;
          out.unavailable[tp] = describeKafkaError("offsets unavailable", why);
        }
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return;  // the earliest offsets failed: done
    }
    for (const auto& tp : group) {
      if (found[0].contains(tp) && found[1].contains(tp)) {
        out.offsets[tp] = Watermarks{found[0][tp], found[1][tp]};
      } else if (!out.unavailable.contains(tp)) {
        out.unavailable[tp] = "offsets unavailable";
      }
    }
  };
  std::vector<std::thread> threads;
  std::size_t i = 0;
  for (const auto& [leader, group] : by_leader) {
    if (i + 1 == by_leader.size()) {
      ask(group, answers[i]);  // the last on this thread
    } else {
      threads.emplace_back(ask, std::cref(group), std::ref(answers[i]));
    }
    ++i;
  }
  for (auto& t : threads) t.join();
  for (auto& a : answers) {
    result.offsets.insert(a.offsets.begin(), a.offsets.end());
    result.unavailable.insert(a.unavailable.begin(), a.unavailable.end());
  }
  return result;
}

std::map<TopicPartition, std::int64_t> KafkaDriverClient::committed(
    const std::vector<TopicPartition>& partitions) {
  if (!impl_->has_group) {
    throw IllegalStateError("committed offsets need a group.id in kafkaParams");
  }
  std::map<TopicPartition, std::int64_t> out;
  if (partitions.empty()) return out;
  std::lock_guard lock(impl_->mutex);
  RdPartitionList list = makeList(partitions, RD_KAFKA_OFFSET_INVALID);
  rd_kafka_resp_err_t err =
      rd_kafka_committed(impl_->rk.get(), list.get(), clampTimeout(impl_->timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(describeKafkaError("cannot read the committed offsets of the group", err));
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0) {
      out[TopicPartition{e.topic, e.partition}] = e.offset;
    }
  }
  return out;
}

void KafkaDriverClient::commitAsync(const std::map<TopicPartition, std::int64_t>& offsets,
                                    OffsetCommitCallback callback) {
  if (!impl_->has_group) {
    throw IllegalStateError("commitAsync needs a group.id in kafkaParams");
  }
  if (offsets.empty()) {
    if (callback) callback(offsets, nullptr);
    return;
  }
  RdPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  {
    std::lock_guard lock(impl_->commit_mutex);
    ++impl_->commits_pending;
  }
  auto* commit = new Impl::Commit{impl_.get(), std::move(callback)};
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(
      impl_->rk.get(), list.get(), impl_->commit_queue.get(), Impl::onCommit, commit);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Not queued: the callback never runs by librdkafka, so it runs here with the error.
    Impl::onCommit(impl_->rk.get(), err, list.get(), commit);
  }
}

void KafkaDriverClient::serveCallbacks() {
  while (rd_kafka_queue_poll_callback(impl_->commit_queue.get(), 0) > 0) {
  }
}

bool KafkaDriverClient::awaitCommits(std::int64_t timeout_ms) {
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    rd_kafka_queue_poll_callback(impl_->commit_queue.get(), 10);
    std::lock_guard lock(impl_->commit_mutex);
    if (impl_->commits_pending == 0) return true;
    if (SteadyClock::now() >= deadline) return false;
  }
}

// ---- Reading a range --------------------------------------------------------------------------

namespace {

/// Idle consumers by configuration, so that a task does not connect anew.
class ConsumerPool {
 public:
  RdKafka take(const KafkaParams& params) {
    std::string key = keyOf(params);
    {
      std::lock_guard lock(mutex_);
      auto& idle = idle_[key];
      if (!idle.empty()) {
        RdKafka rk = std::move(idle.back());
        idle.pop_back();
        return rk;
      }
    }
    KafkaParams consumer = params;
    consumer["enable.partition.eof"] = "false";
    // A pooled consumer's last fetch waits at the end of the log; a short wait lets the next
    // task's assignment start fetching soon (the user's value wins).
    consumer.try_emplace("fetch.wait.max.ms", "10");
    RdKafka rk = makeRdKafka(RD_KAFKA_CONSUMER, makeRdConf(consumer, "Kafka range consumer"),
                             "Kafka range consumer");
    rd_kafka_poll_set_consumer(rk.get());
    return rk;
  }

  void give(const KafkaParams& params, RdKafka rk) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[keyOf(params)];
    if (idle.size() < kMaxIdle) idle.push_back(std::move(rk));
  }

  void release(const KafkaParams& params) {
    std::vector<RdKafka> dropped;
    {
      std::lock_guard lock(mutex_);
      auto it = idle_.find(keyOf(params));
      if (it == idle_.end()) return;
      dropped = std::move(it->second);
      idle_.erase(it);
    }
    for (auto& rk : dropped) rd_kafka_consumer_close(rk.get());
  }

  static ConsumerPool& instance() {
    static ConsumerPool pool;
    return pool;
  }

 private:
  static constexpr std::size_t kMaxIdle = 16;
  static std::string keyOf(const KafkaParams& params) {
    std::string key;
    for (const auto& [k, v] : params) key += k + '\0' + v + '\0';
    return key;
  }
  std::mutex mutex_;
  std::map<std::string, std::vector<RdKafka>> idle_;
};

/// A borrowed consumer, unassigned and given back when done (dropped after an error).
class BorrowedConsumer {
 public:
  explicit BorrowedConsumer(const KafkaParams& params)
      : params_(params), rk_(ConsumerPool::instance().take(params)) {}
  ~BorrowedConsumer() {
    if (!rk_) return;
    rd_kafka_assign(rk_.get(), nullptr);
    if (healthy_) {
      ConsumerPool::instance().give(params_, std::move(rk_));
    } else {
      rd_kafka_consumer_close(rk_.get());
    }
  }
  rd_kafka_t* get() const { return rk_.get(); }
  void markBroken() { healthy_ = false; }

 private:
  const KafkaParams& params_;
  RdKafka rk_;
  bool healthy_ = true;
};

}  // namespace

std::vector<RawKafkaRecord> fetchRange(const KafkaParams& params, const OffsetRange& range,
                                       std::int64_t timeout_ms) {
  std::vector<RawKafkaRecord> records;
  if (range.count() <= 0) return records;
  records.reserve(static_cast<std::size_t>(std::min<std::int64_t>(range.count(), 1 << 20)));
  BorrowedConsumer consumer(params);
  RdPartitionList list = makeList({range.topicPartition()}, range.fromOffset);
  if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), list.get())) {
    consumer.markBroken();
    throw KafkaError(describeKafkaError("cannot assign " + range.toString(), err));
  }
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  std::int64_t next = range.fromOffset;
  std::string last_error;
  bool received_any = false;  // the position is this assignment's only after a record
  while (next < range.untilOffset) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) {
      consumer.markBroken();
      throw KafkaError("failed to get records for " + range.toString() + " after polling for " +
                       std::to_string(timeout_ms) + " ms; reached offset " + std::to_string(next) +
                       (last_error.empty() ? "" : "; last error: " + last_error));
    }
    RdMessage m(rd_kafka_consumer_poll(consumer.get(),
                                       clampTimeout(std::min<std::int64_t>(left.count(), 100))));
    if (!m) {
      // Offsets with no record for the application (transaction markers, aborted or compacted
      // records) move the position without a message.
      if (received_any) {
        RdPartitionList pos = makeList({range.topicPartition()}, RD_KAFKA_OFFSET_INVALID);
        if (rd_kafka_position(consumer.get(), pos.get()) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            pos->elems[0].offset >= range.untilOffset) {
          break;
        }
      }
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
          m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
        consumer.markBroken();
        throw OffsetOutOfRangeError(
            "offsets out of range with no configured reset policy for partitions: " +
            range.topicPartition().toString() + " at offset " + std::to_string(next) + " (" +
            rd_kafka_message_errstr(m.get()) + ")");
      }
      if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
          m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
          m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
        consumer.markBroken();
        throw KafkaError(describeKafkaError("cannot read " + range.toString(), m->err));
      }
      last_error = rd_kafka_message_errstr(m.get());  // transient: the broker is retried
      continue;
    }
    if (m->partition != range.partition || rd_kafka_topic_name(m->rkt) != range.topic ||
        m->offset < next) {
      continue;  // left over from an earlier assignment
    }
    if (m->offset >= range.untilOffset) break;
    records.push_back(toRaw(m.get()));
    next = m->offset + 1;
    received_any = true;
  }
  return records;
}

void releaseIdleConsumers(const KafkaParams& params) {
  ConsumerPool::instance().release(params);
}

void checkConsumerConfig(const KafkaParams& params, const char* operation) {
  // Building a handle checks every name and value and the combination of them; the handle
  // connects to nothing until it is asked something.
  RdKafka rk = makeRdKafka(RD_KAFKA_CONSUMER, makeRdConf(params, operation), operation);
  (void)rk;
}

}  // namespace ember::detail
