#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "ember/core/storage_level.hpp"

namespace ember::detail {

/// One stored partition of a persisted dataset: objects in memory, bytes in memory, or bytes in
/// a file of the store's directory.
struct Block {
  std::shared_ptr<const void> objects;       // a std::vector<T>, when stored deserialized
  std::shared_ptr<const std::string> bytes;  // serialized, in memory
  std::filesystem::path file;                // serialized, on disk
  std::size_t size = 0;                      // bytes it holds in memory (estimated for objects)
};

/// The partitions of persisted datasets of one engine, keyed by (dataset id, partition). Memory
/// is bounded by `ember.storage.memoryBytes` (0: unbounded); a block that does not fit goes to
/// disk when its level allows, and is otherwise not stored (it is recomputed when needed, as
/// Spark does). Thread-safe.
class BlockStore {
 public:
  BlockStore(std::filesystem::path directory, std::int64_t memory_limit);
  ~BlockStore();
  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;

  std::optional<Block> get(int rdd_id, int partition) const;

  /// Stores deserialized objects of `size` estimated bytes. Returns false if it did not fit.
  bool putObjects(int rdd_id, int partition, std::shared_ptr<const void> objects, std::size_t size);
  /// Stores serialized bytes in memory, or on disk when the level allows and memory is full or
  /// the level has no memory. Returns false if stored nowhere. Throws IoError if a disk write
  /// fails.
  bool putBytes(int rdd_id, int partition, std::string bytes, const StorageLevel& level);

  /// Reads a disk block's bytes. Throws IoError if the file cannot be read.
  static std::string readFile(const std::filesystem::path& file);

  void removeRdd(int rdd_id);
  /// Gives the blocks of dataset `from` to dataset `to`, all at once, when `from` has exactly
  /// `expected` blocks; otherwise moves nothing. Returns whether it moved them.
  bool moveRdd(int from, int to, int expected);
  int numBlocks(int rdd_id) const;
  std::size_t memoryUsed() const;
  std::size_t diskBlocks() const;
  const std::filesystem::path& directory() const { return directory_; }

 private:
  bool fitsLocked(std::size_t size) const;
  void eraseLocked(std::map<std::pair<int, int>, Block>::iterator it);

  std::filesystem::path directory_;
  std::int64_t memory_limit_;
  mutable std::mutex mutex_;
  std::map<std::pair<int, int>, Block> blocks_;
  std::size_t memory_used_ = 0;
  std::size_t disk_blocks_ = 0;
};

}  // namespace ember::detail
