#include "received_block_handler.hpp"

#include "wal/received_block_log.hpp"

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

void WriteAheadLogBlockHandler::storeBlock(const ReceivedBlock& block) {
  ReceivedBlockLog* log = log_.load();
  if (log == nullptr) {
    next_.storeBlock(block);
    return;
  }
  ReceivedBlock logged = block;
  logged.id = log->nextBlockId();
  log->writeBlock(stream_id_, logged.id, logged.numRecords, receiver_.serializeBlock(block),
                  clock_.getTimeMillis());
  next_.storeBlock(logged);
}

}  // namespace ember::detail
