#include "ember/core/block_store.hpp"

#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember::detail {

BlockStore::BlockStore(std::filesystem::path directory, std::int64_t memory_limit)
    : directory_(std::move(directory)), memory_limit_(memory_limit) {}

BlockStore::~BlockStore() {
  std::error_code ec;
  std::filesystem::remove_all(directory_, ec);
}

std::optional<Block> BlockStore::get(int rdd_id, int partition) const {
  std::lock_guard lock(mutex_);
  auto it = blocks_.find({rdd_id, partition});
  if (it == blocks_.end()) return std::nullopt;
  return it->second;
}

bool BlockStore::fitsLocked(std::size_t size) const {
  return memory_limit_ <= 0 || memory_used_ + size <= static_cast<std::size_t>(memory_limit_);
}

bool BlockStore::putObjects(int rdd_id, int partition, std::shared_ptr<const void> objects,
                            std::size_t size) {
  std::lock_guard lock(mutex_);
  if (blocks_.count({rdd_id, partition})) return true;
  if (!fitsLocked(size)) return false;
  Block block;
  block.objects = std::move(objects);
  block.size = size;
  memory_used_ += size;
  blocks_.emplace(std::pair{rdd_id, partition}, std::move(block));
  return true;
}

bool BlockStore::putBytes(int rdd_id, int partition, std::string bytes, const StorageLevel& level) {
  std::lock_guard lock(mutex_);
  if (blocks_.count({rdd_id, partition})) return true;
  Block block;
  if (level.useMemory && fitsLocked(bytes.size())) {
    block.size = bytes.size();
    memory_used_ += bytes.size();
    block.bytes = std::make_shared<const std::string>(std::move(bytes));
  } else if (level.useDisk) {
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    block.file = directory_ / ("rdd_" + std::to_string(rdd_id) + "_" + std::to_string(partition));
    std::ofstream out(block.file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw IoError("cannot write block file " + block.file.string());
    ++disk_blocks_;
  } else {
    return false;
  }
  blocks_.emplace(std::pair{rdd_id, partition}, std::move(block));
  return true;
}

std::string BlockStore::readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read block file " + file.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void BlockStore::eraseLocked(std::map<std::pair<int, int>, Block>::iterator it) {
  memory_used_ -= it->second.size;
  if (!it->second.file.empty()) {
    std::error_code ec;
    std::filesystem::remove(it->second.file, ec);
    --disk_blocks_;
  }
  blocks_.erase(it);
}

void BlockStore::removeRdd(int rdd_id) {
  std::lock_guard lock(mutex_);
  auto it = blocks_.lower_bound({rdd_id, 0});
  while (it != blocks_.end() && it->first.first == rdd_id) eraseLocked(it++);
}

bool BlockStore::moveRdd(int from, int to, int expected) {
  std::lock_guard lock(mutex_);
  auto first = blocks_.lower_bound({from, 0});
  auto last = first;
  int n = 0;
  while (last != blocks_.end() && last->first.first == from) {
    ++last;
    ++n;
  }
  if (n != expected) return false;
  // Taken out before they go back in: the new keys may sort right after the old ones.
  std::vector<std::pair<int, Block>> taken;
  for (auto it = first; it != last; ++it)
    taken.emplace_back(it->first.second, std::move(it->second));
  blocks_.erase(first, last);
  for (auto& [partition, block] : taken)
    blocks_.emplace(std::pair(to, partition), std::move(block));
  return true;
}

int BlockStore::numBlocks(int rdd_id) const {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (auto it = blocks_.lower_bound({rdd_id, 0}); it != blocks_.end() && it->first.first == rdd_id;
       ++it) {
    ++n;
  }
  return n;
}

std::size_t BlockStore::memoryUsed() const {
  std::lock_guard lock(mutex_);
  return memory_used_;
}

std::size_t BlockStore::diskBlocks() const {
  std::lock_guard lock(mutex_);
  return disk_blocks_;
}

}  // namespace ember::detail
