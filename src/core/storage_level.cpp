#include "ember/core/storage_level.hpp"

#include <array>
#include <utility>

#include "ember/core/error.hpp"

namespace ember {

const StorageLevel StorageLevel::NONE{false, false, false, 1};
const StorageLevel StorageLevel::DISK_ONLY{true, false, false, 1};
const StorageLevel StorageLevel::DISK_ONLY_2{true, false, false, 2};
const StorageLevel StorageLevel::MEMORY_ONLY{false, true, true, 1};
const StorageLevel StorageLevel::MEMORY_ONLY_2{false, true, true, 2};
const StorageLevel StorageLevel::MEMORY_ONLY_SER{false, true, false, 1};
const StorageLevel StorageLevel::MEMORY_ONLY_SER_2{false, true, false, 2};
const StorageLevel StorageLevel::MEMORY_AND_DISK{true, true, true, 1};
const StorageLevel StorageLevel::MEMORY_AND_DISK_2{true, true, true, 2};
const StorageLevel StorageLevel::MEMORY_AND_DISK_SER{true, true, false, 1};
const StorageLevel StorageLevel::MEMORY_AND_DISK_SER_2{true, true, false, 2};

namespace {
const std::array<std::pair<const char*, const StorageLevel*>, 11> kLevels{{
    {"NONE", &StorageLevel::NONE},
    {"DISK_ONLY", &StorageLevel::DISK_ONLY},
    {"DISK_ONLY_2", &StorageLevel::DISK_ONLY_2},
    {"MEMORY_ONLY", &StorageLevel::MEMORY_ONLY},
    {"MEMORY_ONLY_2", &StorageLevel::MEMORY_ONLY_2},
    {"MEMORY_ONLY_SER", &StorageLevel::MEMORY_ONLY_SER},
    {"MEMORY_ONLY_SER_2", &StorageLevel::MEMORY_ONLY_SER_2},
    {"MEMORY_AND_DISK", &StorageLevel::MEMORY_AND_DISK},
    {"MEMORY_AND_DISK_2", &StorageLevel::MEMORY_AND_DISK_2},
    {"MEMORY_AND_DISK_SER", &StorageLevel::MEMORY_AND_DISK_SER},
    {"MEMORY_AND_DISK_SER_2", &StorageLevel::MEMORY_AND_DISK_SER_2},
}};
}  // namespace

StorageLevel StorageLevel::fromString(const std::string& name) {
  for (const auto& [n, level] : kLevels) {
    if (name == n) return *level;
  }
  throw IllegalArgumentError("unknown storage level '" + name +
                             "' (allowed: NONE, DISK_ONLY, MEMORY_ONLY, MEMORY_ONLY_SER, "
                             "MEMORY_AND_DISK, MEMORY_AND_DISK_SER, each also with _2)");
}

std::string StorageLevel::description() const {
  std::string s;
  s += useDisk ? "Disk " : "";
  s += useMemory ? "Memory " : "";
  s += deserialized ? "Deserialized " : "Serialized ";
  s += std::to_string(replication) + "x Replicated";
  return s;
}

}  // namespace ember
