#pragma once

#include <cereal/details/traits.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/chunk_sink.hpp"
#include "ember/core/engine_state.hpp"
#include "ember/core/error.hpp"
#include "ember/core/serialization.hpp"
#include "ember/core/storage_level.hpp"
#include "ember/core/task_context.hpp"

namespace ember {

namespace detail {

class RddNodeBase;

/// The map side of a shuffle: the parent dataset and, once its stage ran, the parent's records
/// bucketed by reduce partition. The outputs live as long as this object, so jobs that read the
/// same shuffle twice run its map stage once.
class ShuffleDependencyBase {
 public:
  ShuffleDependencyBase(std::shared_ptr<RddNodeBase> parent, int num_reduce_partitions, int id)
      : parent_(std::move(parent)), num_reduce_(num_reduce_partitions), id_(id) {}
  virtual ~ShuffleDependencyBase() = default;

  const std::shared_ptr<RddNodeBase>& parent() const { return parent_; }
  int numReducePartitions() const { return num_reduce_; }
  int shuffleId() const { return id_; }

  /// Called once before the map tasks, on the driver side.
  virtual void prepareMapOutputs(int num_map_partitions) = 0;
  /// Computes map partition `map_partition` of the parent and buckets its records. Called from
  /// executor threads, each partition by one task.
  virtual void runMapTask(const TaskContext& ctx, int map_partition) = 0;

  std::mutex& mutex() { return mutex_; }
  bool computed() const { return computed_; }
  void markComputed() { computed_ = true; }

 private:
  std::shared_ptr<RddNodeBase> parent_;
  int num_reduce_;
  int id_;
  std::mutex mutex_;
  bool computed_ = false;
};

/// The type-independent part of a dataset's node: identity, partitions, lineage, persistence.
/// Nodes are immutable once built except for their storage level.
class RddNodeBase {
 public:
  RddNodeBase(std::shared_ptr<EngineState> engine, int num_partitions,
              std::vector<std::shared_ptr<RddNodeBase>> narrow_parents,
              std::vector<std::shared_ptr<ShuffleDependencyBase>> shuffle_parents = {})
      : engine_(std::move(engine)),
        id_(engine_->newRddId()),
        num_partitions_(num_partitions),
        narrow_parents_(std::move(narrow_parents)),
        shuffle_parents_(std::move(shuffle_parents)) {}
  virtual ~RddNodeBase();
  RddNodeBase(const RddNodeBase&) = delete;
  RddNodeBase& operator=(const RddNodeBase&) = delete;

  int id() const { return id_; }
  int numPartitions() const { return num_partitions_; }
  EngineState& engine() const { return *engine_; }
  const std::shared_ptr<EngineState>& engineState() const { return engine_; }
  const std::vector<std::shared_ptr<RddNodeBase>>& narrowParents() const { return narrow_parents_; }
  const std::vector<std::shared_ptr<ShuffleDependencyBase>>& shuffleParents() const {
    return shuffle_parents_;
  }

  /// Spark's class name of the equivalent RDD, for lineage strings and the UI.
  virtual std::string name() const = 0;
  virtual std::string paramsToString() const { return {}; }

  StorageLevel storageLevel() const {
    std::lock_guard lock(level_mutex_);
    return level_;
  }
  void setStorageLevel(const StorageLevel& level) {
    std::lock_guard lock(level_mutex_);
    level_ = level;
  }
  /// True when every partition is in the block store, so its lineage need not run.
  bool fullyCached() const;
  /// Drops the stored blocks (the storage level is reset by the caller).
  void dropBlocks() const;

 private:
  std::shared_ptr<EngineState> engine_;
  int id_;
  int num_partitions_;
  std::vector<std::shared_ptr<RddNodeBase>> narrow_parents_;
  std::vector<std::shared_ptr<ShuffleDependencyBase>> shuffle_parents_;
  mutable std::mutex level_mutex_;
  StorageLevel level_ = StorageLevel::NONE;
};

/// Whether cereal can write and read T. cereal declares its containers serializable whatever
/// they hold, so the standard ones are looked into: a pair of a number and a type without
/// serialize() is not serializable, and must not be stored serialized.
template <class T>
struct Serializable
    : std::bool_constant<
          cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
          cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value> {};
template <class A, class B>
struct Serializable<std::pair<A, B>>
    : std::bool_constant<Serializable<A>::value && Serializable<B>::value> {};
template <class... Ts>
struct Serializable<std::tuple<Ts...>> : std::bool_constant<(Serializable<Ts>::value && ...)> {};
template <class T, class A>
struct Serializable<std::vector<T, A>> : Serializable<T> {};
template <class T>
struct Serializable<std::optional<T>> : Serializable<T> {};
template <class K, class V, class C, class A>
struct Serializable<std::map<K, V, C, A>>
    : std::bool_constant<Serializable<K>::value && Serializable<V>::value> {};

template <class T>
inline constexpr bool kSerializable = Serializable<T>::value;

/// A dataset's node with element type T. `compute` produces one partition from the parents;
/// `iterate` is what consumers call: it serves persisted partitions from the block store.
template <class T>
class RddNode : public RddNodeBase {
 public:
  using RddNodeBase::RddNodeBase;

  /// Pushes the elements of `partition` to `out`, in order. Called from executor threads.
  virtual void compute(const TaskContext& ctx, int partition, ChunkSink<T>& out) const = 0;

  void iterate(const TaskContext& ctx, int partition, ChunkSink<T>& out) const {
    StorageLevel level = storageLevel();
    if (!level.isValid()) {
      compute(ctx, partition, out);
      return;
    }
    if (auto block = engine().blocks().get(id(), partition)) {
      readBlock(*block, out);
      return;
    }
    std::vector<T> all;
    VectorSink<T> sink(all);
    compute(ctx, partition, sink);
    storeBlock(level, partition, all, out);
  }

 private:
  void readBlock(const Block& block, ChunkSink<T>& out) const {
    if (block.objects) {
      const auto& data = *static_cast<const std::vector<T>*>(block.objects.get());
      pushCopies(data, 0, data.size(), out);
      return;
    }
    if constexpr (kSerializable<T>) {
      std::vector<T> data =
          block.bytes ? deserializeFromString<std::vector<T>>(*block.bytes)
                      : deserializeFromString<std::vector<T>>(BlockStore::readFile(block.file));
      pushOwned(std::move(data), out);
    }
  }

  void storeBlock(const StorageLevel& level, int partition, std::vector<T>& all,
                  ChunkSink<T>& out) const {
    auto& store = engine().blocks();
    StorageLevel bytes_level = level;
    if (level.useMemory && level.deserialized) {
      auto shared = std::make_shared<const std::vector<T>>(std::move(all));
      std::size_t estimate = shared->size() * sizeof(T);
      if (store.putObjects(id(), partition, shared, estimate) || !level.useDisk) {
        pushCopies(*shared, 0, shared->size(), out);
        return;
      }
      all = *shared;
      // Memory refused the objects: the block spills to disk (as Spark's MEMORY_AND_DISK), not
      // back into memory as bytes, which would also turn a deserialized level into a serialized
      // one.
      bytes_level.useMemory = false;
    }
    if constexpr (kSerializable<T>) {
      store.putBytes(id(), partition, serializeToString(all), bytes_level);
    }
    pushOwned(std::move(all), out);
  }
};

/// Runs `task(ctx, i)` for each partition index in `partitions` of `node`, after the map stages
/// of every shuffle the node depends on that has not run yet. Blocks until done. Throws
/// TaskFailedError carrying the first failing task's stage, partition and message, and
/// IllegalStateError on a stopped engine.
void runJob(const std::shared_ptr<RddNodeBase>& node, const std::vector<int>& partitions,
            const std::function<void(const TaskContext&, int)>& task);

}  // namespace detail
}  // namespace ember
