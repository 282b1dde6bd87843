#pragma once

#include <memory>
#include <vector>

#include "ember/io/queue_stream.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/receiver.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

/// The blocks a receiver stored for one batch, one partition per block (Spark's BlockRDD).
template <class T>
class BlockNode final : public RddNode<T> {
 public:
  BlockNode(std::shared_ptr<EngineState> engine, std::vector<ReceivedBlock> blocks)
      : RddNode<T>(std::move(engine), static_cast<int>(blocks.size()), {}),
        blocks_(std::move(blocks)) {}

  void compute(const TaskContext&, int partition, ChunkSink<T>& out) const override {
    const auto& data = *static_cast<const std::vector<T>*>(blocks_[partition].data.get());
    pushCopies(data, 0, data.size(), out);
  }
  std::string name() const override { return "BlockRDD"; }

 private:
  std::vector<ReceivedBlock> blocks_;
};

/// A stream fed by a receiver (Spark's ReceiverInputDStream).
template <class T>
class ReceiverInputNode final : public DStreamNode<T>, public InputNodeBase {
 public:
  ReceiverInputNode(StreamingContext& ssc, std::shared_ptr<Receiver<T>> receiver)
      : DStreamNode<T>(ssc, {}, receiver->name()), receiver_(std::move(receiver)) {}

  const std::shared_ptr<Receiver<T>>& receiver() const { return receiver_; }
  /// The receiver's name says where it reads from, which is not the graph's shape.
  std::string shapeKind() const override { return "ReceiverInputDStream"; }

 protected:
  std::optional<Rdd<T>> compute(Time time) override {
    auto blocks = this->core().blocksOfBatch(inputStreamId(), time);
    return Rdd<T>(
        std::make_shared<BlockNode<T>>(this->context().sparkContext().state(), std::move(blocks)));
  }

 private:
  std::shared_ptr<Receiver<T>> receiver_;
};

}  // namespace detail

template <class T>
DStream<T> StreamingContext::receiverStream(std::shared_ptr<Receiver<T>> receiver) {
  if (!receiver) throw IllegalArgumentError("receiverStream: the receiver must not be null");
  core_->checkReceiverConf();
  auto node = std::make_shared<detail::ReceiverInputNode<T>>(*this, receiver);
  auto stream = detail::registerInput<detail::ReceiverInputNode<T>, T>(*this, node);
  core_->registerReceiver(node->inputStreamId(), receiver);
  return stream;
}

template <class R, class T>
DStream<T> StreamingContext::receiverStream(std::shared_ptr<R> receiver) {
  return receiverStream<T>(std::shared_ptr<Receiver<T>>(std::move(receiver)));
}

}  // namespace ember
