#pragma once

// How the bytes of a Kafka key or value become a C++ value: KafkaDeserializer<T>.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ember/core/serialization.hpp"

namespace ember {

/// Turns the bytes of a key or value into a T. The primary template reads the serialization
/// layer's form (what KafkaSerializer<T> and serializeToString write); std::string
/// (Kafka's StringDeserializer, UTF-8 bytes as they are) and std::vector<std::uint8_t>
/// (ByteArrayDeserializer) are specialized. Specialize it for another wire format.
/// deserialize() throws SerializationError for bytes that are not a T.
template <class T>
struct KafkaDeserializer {
  static T deserialize(const std::string& topic, std::string_view bytes) {
    (void)topic;
    return deserializeFromString<T>(bytes);
  }
};

template <>
struct KafkaDeserializer<std::string> {
  static std::string deserialize(const std::string&, std::string_view bytes) {
    return std::string(bytes);
  }
};

template <>
struct KafkaDeserializer<std::vector<std::uint8_t>> {
  static std::vector<std::uint8_t> deserialize(const std::string&, std::string_view bytes) {
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
  }
};

/// The converse of KafkaDeserializer, for the sink.
template <class T>
struct KafkaSerializer {
  static std::string serialize(const std::string& topic, const T& value) {
    (void)topic;
    return serializeToString(value);
  }
};

template <>
struct KafkaSerializer<std::string> {
  static std::string serialize(const std::string&, const std::string& value) { return value; }
};

template <>
struct KafkaSerializer<std::vector<std::uint8_t>> {
  static std::string serialize(const std::string&, const std::vector<std::uint8_t>& value) {
    return std::string(value.begin(), value.end());
  }
};

}  // namespace ember
