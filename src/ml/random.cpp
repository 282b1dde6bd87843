#include "ember/ml/random.hpp"

#include <cmath>

namespace ember::ml {

template <class Derived>
double JavaRandomDraws<Derived>::nextGaussian() {
  if (have_next_gaussian_) {
    have_next_gaussian_ = false;
    return next_gaussian_;
  }
  double v1 = 0.0;
  double v2 = 0.0;
  double s = 0.0;
  do {
    v1 = 2 * nextDouble() - 1;
    v2 = 2 * nextDouble() - 1;
    s = v1 * v1 + v2 * v2;
  } while (s >= 1 || s == 0);
  double multiplier = std::sqrt(-2 * std::log(s) / s);
  next_gaussian_ = v2 * multiplier;
  have_next_gaussian_ = true;
  return v1 * multiplier;
}

template class JavaRandomDraws<JavaRandom>;
template class JavaRandomDraws<XORShiftRandom>;

namespace {
constexpr std::uint64_t kMultiplier = 0x5DEECE66DULL;
constexpr std::uint64_t kMask = (1ULL << 48) - 1;

std::uint32_t rotl(std::uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

// scala.util.hashing.MurmurHash3's mix, mixLast and finalizeHash, on 32-bit words.
std::uint32_t mixLast(std::uint32_t h, std::uint32_t k) {
  k *= 0xcc9e2d51U;
  k = rotl(k, 15);
  k *= 0x1b873593U;
  return h ^ k;
}
std::uint32_t mix(std::uint32_t h, std::uint32_t k) {
  h = mixLast(h, k);
  h = rotl(h, 13);
  return h * 5 + 0xe6546b64U;
}
std::uint32_t finalizeHash(std::uint32_t h, std::uint32_t length) {
  h ^= length;
  h ^= h >> 16;
  h *= 0x85ebca6bU;
  h ^= h >> 13;
  h *= 0xc2b2ae35U;
  h ^= h >> 16;
  return h;
}
/// MurmurHash3.bytesHash of 8 bytes (two whole words, no tail).
std::uint32_t bytesHash(const unsigned char (&bytes)[8], std::uint32_t seed) {
  std::uint32_t h = seed;
  for (int i = 0; i < 8; i += 4) {
    std::uint32_t k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) |
                      (static_cast<std::uint32_t>(bytes[i + 3]) << 24);
    h = mix(h, k);
  }
  return finalizeHash(h, 8);
}
}  // namespace

JavaRandom::JavaRandom(std::int64_t seed)
    : seed_((static_cast<std::uint64_t>(seed) ^ kMultiplier) & kMask) {}

std::int32_t JavaRandom::next(int bits) {
  seed_ = (seed_ * kMultiplier + 0xBULL) & kMask;
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(seed_ >> (48 - bits)));
}

std::int64_t XORShiftRandom::hashSeed(std::int64_t seed) {
  unsigned char bytes[8];
  auto u = static_cast<std::uint64_t>(seed);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(u >> (56 - 8 * i));
  std::uint32_t low = bytesHash(bytes, 0x3c074a61U);
  std::uint32_t high = bytesHash(bytes, low);
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(high) << 32) | low);
}

XORShiftRandom::XORShiftRandom(std::int64_t seed)
    : seed_(static_cast<std::uint64_t>(hashSeed(seed))) {}

std::int32_t XORShiftRandom::next(int bits) {
  std::uint64_t s = seed_ ^ (seed_ << 21);
  s ^= s >> 35;
  s ^= s << 4;
  seed_ = s;
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(s & ((1ULL << bits) - 1)));
}

}  // namespace ember::ml
