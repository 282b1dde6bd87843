#include <algorithm>
#include <string>

#include "ember/core/error.hpp"
#include "ember/core/ops/coalesce.hpp"
#include "ember/core/pipeline.hpp"
#include "ember/core/rdd.hpp"

namespace ember::detail {

int checkPartitions(const char* operation, int numPartitions) {
  if (numPartitions <= 0) {
    throw IllegalArgumentError(std::string(operation) + ": numPartitions must be positive, got " +
                               std::to_string(numPartitions));
  }
  return numPartitions;
}

int resolvePartitions(const char* operation, std::optional<int> numPartitions,
                      const EngineState& engine, std::initializer_list<int> input_partitions) {
  if (numPartitions) return checkPartitions(operation, *numPartitions);
  if (engine.conf().contains("spark.default.parallelism")) return engine.defaultParallelism();
  int most = 0;
  for (int p : input_partitions) most = std::max(most, p);
  return most;
}

bool anyPersisted(const std::vector<std::shared_ptr<RddNodeBase>>& nodes) {
  return std::any_of(nodes.begin(), nodes.end(),
                     [](const auto& node) { return node->storageLevel().isValid(); });
}

int javaRandomNextInt(std::int64_t seed, int bound) {
  constexpr std::uint64_t kMultiplier = 0x5DEECE66DULL;
  constexpr std::uint64_t kMask = (1ULL << 48) - 1;
  std::uint64_t state = (static_cast<std::uint64_t>(seed) ^ kMultiplier) & kMask;
  auto next31 = [&] {
    state = (state * kMultiplier + 0xBULL) & kMask;
    return static_cast<int>(state >> (48 - 31));
  };
  if ((bound & -bound) == bound) {
    return static_cast<int>((static_cast<std::int64_t>(bound) * next31()) >> 31);
  }
  int bits = 0;
  int val = 0;
  do {
    bits = next31();
    val = bits % bound;
  } while (static_cast<std::int64_t>(bits) - val + (bound - 1) > 0x7fffffffLL);
  return val;
}

int byteswap32(int v) {
  auto mul = [](std::uint32_t a) { return a * 0x9e3775cdU; };
  std::uint32_t h = mul(static_cast<std::uint32_t>(v));
  h = __builtin_bswap32(h);
  return static_cast<int>(mul(h));
}

}  // namespace ember::detail

namespace ember::detail {

namespace {
void appendLineage(const RddNodeBase& node, int depth, std::string& out) {
  out += std::string(static_cast<std::size_t>(depth) * 2, ' ');
  out += "(" + std::to_string(node.numPartitions()) + ") " + node.name() + "[" +
         std::to_string(node.id()) + "]";
  if (auto params = node.paramsToString(); !params.empty()) out += " at " + params;
  if (auto level = node.storageLevel(); level.isValid()) out += " [" + level.description() + "]";
  out += '\n';
  for (const auto& parent : node.narrowParents()) appendLineage(*parent, depth, out);
  for (const auto& dep : node.shuffleParents()) appendLineage(*dep->parent(), depth + 1, out);
}
}  // namespace

std::string lineageString(const RddNodeBase& node) {
  std::string out;
  appendLineage(node, 0, out);
  return out;
}

}  // namespace ember::detail
