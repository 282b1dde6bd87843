#pragma once

#include <cereal/archives/binary.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/memory.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include <sstream>
#include <string>
#include <string_view>

#include "ember/core/error.hpp"

namespace ember {

/// The one serialization layer of ember (serialized storage levels, disk blocks, checkpoints):
/// cereal's portable binary form. Arithmetic types, strings, pairs, tuples, vectors, maps, sets,
/// optionals and variants work as they are. A user type opts in the way cereal documents: a
/// member `template <class Archive> void serialize(Archive& ar) { ar(field1, field2); }` or a
/// free function of the same shape.
template <class T>
std::string serializeToString(const T& value) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::BinaryOutputArchive archive(os);
    archive(value);
  }
  return std::move(os).str();
}

/// Throws SerializationError when the bytes do not hold a T.
template <class T>
T deserializeFromString(std::string_view bytes) {
  std::istringstream is(std::string(bytes), std::ios::binary);
  T value{};
  try {
    cereal::BinaryInputArchive archive(is);
    archive(value);
  } catch (const cereal::Exception& e) {
    throw SerializationError(std::string("cannot deserialize a block: ") + e.what());
  }
  return value;
}

}  // namespace ember
