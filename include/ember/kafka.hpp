#pragma once

// ember::kafka (link ember::kafka): the direct stream, createRDD, offset ranges and commits, the
// receiver stream and the sink, on librdkafka.

#include "ember/io/kafka/consumer_record.hpp"
#include "ember/io/kafka/deserializer.hpp"
#include "ember/io/kafka/direct_stream.hpp"
#include "ember/io/kafka/kafka_params.hpp"
#include "ember/io/kafka/kafka_rdd.hpp"
#include "ember/io/kafka/kafka_receiver.hpp"
#include "ember/io/kafka/kafka_sink.hpp"
#include "ember/io/kafka/mock_cluster.hpp"
#include "ember/io/kafka/offset_range.hpp"
#include "ember/io/kafka/strategies.hpp"
