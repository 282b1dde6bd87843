#pragma once

#include <string>

namespace ember {

/// Where and how a persisted dataset keeps its partitions, by Spark's names. In one process the
/// replication of the `_2` levels has no second executor to go to; it is kept for the name and
/// reported, and blocks are stored once.
struct StorageLevel {
  bool useDisk = false;
  bool useMemory = false;
  bool deserialized = false;
  int replication = 1;

  static const StorageLevel NONE;
  static const StorageLevel DISK_ONLY;
  static const StorageLevel DISK_ONLY_2;
  static const StorageLevel MEMORY_ONLY;
  static const StorageLevel MEMORY_ONLY_2;
  static const StorageLevel MEMORY_ONLY_SER;
  static const StorageLevel MEMORY_ONLY_SER_2;
  static const StorageLevel MEMORY_AND_DISK;
  static const StorageLevel MEMORY_AND_DISK_2;
  static const StorageLevel MEMORY_AND_DISK_SER;
  static const StorageLevel MEMORY_AND_DISK_SER_2;

  /// The level of that name ("MEMORY_ONLY", ...). Throws IllegalArgumentError for other names.
  static StorageLevel fromString(const std::string& name);

  bool isValid() const { return (useMemory || useDisk) && replication > 0; }
  std::string description() const;

  friend bool operator==(const StorageLevel&, const StorageLevel&) = default;
};

}  // namespace ember
