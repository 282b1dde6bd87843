#include "received_block_handler.hpp"

namespace ember::detail {

void ReceivedBlockQueue::storeBlock(const ReceivedBlock& block) {
  std::lock_guard lock(mutex_);
  blocks_.push_back(block);
}

std::vector<ReceivedBlock> ReceivedBlockQueue::takeAll() {
  std::lock_guard lock(mutex_);
  std::vector<ReceivedBlock> out;
  out.swap(blocks_);
  return out;
}

bool ReceivedBlockQueue::empty() const {
  std::lock_guard lock(mutex_);
  return blocks_.empty();
}

}  // namespace ember::detail
