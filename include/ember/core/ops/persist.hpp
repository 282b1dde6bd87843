#pragma once

#include <functional>
#include <string>

#include "ember/core/rdd.hpp"

namespace ember {

template <class T>
const Rdd<T>& Rdd<T>::persist(const StorageLevel& level) const {
  StorageLevel current = node_->storageLevel();
  if (current.isValid() && current != level) {
    throw UnsupportedOperationError(
        "Cannot change storage level of a dataset after it was already assigned a level (" +
        current.description() + " -> " + level.description() + ")");
  }
  bool serializes = level.useDisk || (level.useMemory && !level.deserialized);
  if constexpr (!detail::kSerializable<T>) {
    if (serializes) {
      throw UnsupportedOperationError(
          "storage level " + level.description() +
          " serializes its blocks, and this element type is not serializable: give it a "
          "cereal serialize() function, or use MEMORY_ONLY");
    }
  }
  node_->setStorageLevel(level);
  return *this;
}

template <class T>
const Rdd<T>& Rdd<T>::unpersist() const {
  node_->setStorageLevel(StorageLevel::NONE);
  node_->dropBlocks();
  return *this;
}

namespace detail {
std::string lineageString(const RddNodeBase& node);
}

template <class T>
std::string Rdd<T>::toDebugString() const {
  return detail::lineageString(*node_);
}

}  // namespace ember
