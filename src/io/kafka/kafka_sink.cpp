#include "ember/io/kafka/kafka_sink.hpp"

#include <mutex>

#include "ember/core/logging.hpp"
#include "rdkafka_handles.hpp"

namespace ember {

namespace {

int clampTimeout(std::int64_t ms) {
  return static_cast<int>(std::max<std::int64_t>(0, std::min<std::int64_t>(ms, 1 << 30)));
}

/// Throws KafkaError for a failed transaction call; the error object is freed.
void checkTxn(rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return;
  std::string message =
      what + ": " + rd_kafka_error_string(error) + " (" + rd_kafka_error_name(error) + ")";
  rd_kafka_error_destroy(error);
  throw KafkaError(message);
}

}  // namespace

struct KafkaSink::Impl {
  detail::RdKafka rk;
  std::int64_t timeout_ms = 0;
  bool transactional = false;
  std::mutex mutex;
  std::string first_failure;  // guarded by mutex: the first failed delivery since flush()

  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    auto* impl = static_cast<Impl*>(opaque);
    std::lock_guard lock(impl->mutex);
    if (impl->first_failure.empty()) {
      impl->first_failure = std::string("delivery to ") + rd_kafka_topic_name(m->rkt) + "-" +
                            std::to_string(m->partition) + " failed: " + rd_kafka_err2str(m->err);
    }
  }
};

KafkaSink::KafkaSink(const KafkaParams& kafkaParams, std::int64_t timeout_ms)
    : impl_(std::make_unique<Impl>()) {
  auto servers = kafkaParams.find("bootstrap.servers");
  if (servers == kafkaParams.end() || servers->second.empty()) {
    throw IllegalArgumentError("KafkaSink: kafkaParams must give \"bootstrap.servers\"");
  }
  impl_->timeout_ms = timeout_ms;
  KafkaParams params = kafkaParams;
  params.try_emplace("enable.idempotence", "true");
  impl_->transactional = params.contains("transactional.id");
  detail::RdConf conf = detail::makeRdConf(params, "KafkaSink");
  rd_kafka_conf_set_opaque(conf.get(), impl_.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), Impl::onDelivery);
  impl_->rk = detail::makeRdKafka(RD_KAFKA_PRODUCER, std::move(conf), "KafkaSink");
  if (impl_->transactional) {
    checkTxn(rd_kafka_init_transactions(impl_->rk.get(), clampTimeout(timeout_ms)),
             "KafkaSink: cannot initialize transactions");
  }
}

KafkaSink::~KafkaSink() {
  rd_kafka_flush(impl_->rk.get(), clampTimeout(impl_->timeout_ms));
}

bool KafkaSink::transactional() const {
  return impl_->transactional;
}

void KafkaSink::send(const ProducerRecord& r) {
  const void* key = r.key ? r.key->data() : nullptr;
  const std::size_t key_size = r.key ? r.key->size() : 0;
  const std::int32_t partition = r.partition < 0 ? RD_KAFKA_PARTITION_UA : r.partition;
  auto produce = [&] {
    return rd_kafka_producev(
        impl_->rk.get(), RD_KAFKA_V_TOPIC(r.topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
        RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  };
  rd_kafka_resp_err_t err = produce();
  while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    // The local queue is full: serve deliveries until there is room again.
    rd_kafka_poll(impl_->rk.get(), 10);
    err = produce();
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(detail::describeKafkaError("KafkaSink: cannot send to " + r.topic, err));
  }
}

void KafkaSink::flush() {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), clampTimeout(impl_->timeout_ms));
  std::string failure;
  {
    std::lock_guard lock(impl_->mutex);
    failure.swap(impl_->first_failure);
  }
  if (!failure.empty()) throw KafkaError("KafkaSink: " + failure);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(detail::describeKafkaError(
        "KafkaSink: records not acknowledged within " + std::to_string(impl_->timeout_ms) + " ms",
        err));
  }
}

void KafkaSink::beginTransaction() {
  if (!impl_->transactional) throw IllegalStateError("KafkaSink: no transactional.id was given");
  checkTxn(rd_kafka_begin_transaction(impl_->rk.get()), "KafkaSink: cannot begin a transaction");
}

void KafkaSink::sendOffsetsToTransaction(const std::vector<OffsetRange>& offsetRanges,
                                         const std::string& groupId) {
  if (!impl_->transactional) throw IllegalStateError("KafkaSink: no transactional.id was given");
  if (groupId.empty()) {
    throw IllegalArgumentError("KafkaSink: sendOffsetsToTransaction needs the consumer's group.id");
  }
  detail::RdPartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(offsetRanges.size())));
  for (const auto& r : offsetRanges) {
    rd_kafka_topic_partition_list_add(list.get(), r.topic.c_str(), r.partition)->offset =
        r.untilOffset;
  }
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata_new(groupId.c_str());
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(impl_->rk.get(), list.get(), group,
                                                                 clampTimeout(impl_->timeout_ms));
  rd_kafka_consumer_group_metadata_destroy(group);
  checkTxn(error, "KafkaSink: cannot add the consumed offsets to the transaction");
}

void KafkaSink::commitTransaction() {
  if (!impl_->transactional) throw IllegalStateError("KafkaSink: no transactional.id was given");
  checkTxn(rd_kafka_commit_transaction(impl_->rk.get(), clampTimeout(impl_->timeout_ms)),
           "KafkaSink: cannot commit the transaction");
}

void KafkaSink::abortTransaction() {
  if (!impl_->transactional) throw IllegalStateError("KafkaSink: no transactional.id was given");
  rd_kafka_error_t* error =
      rd_kafka_abort_transaction(impl_->rk.get(), clampTimeout(impl_->timeout_ms));
  if (error != nullptr) {
    logger()->warn("KafkaSink: cannot abort the transaction: {}", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
  // The aborted records' deliveries fail ("purged"): not a failure of the next batch.
  std::lock_guard lock(impl_->mutex);
  impl_->first_failure.clear();
}

}  // namespace ember
