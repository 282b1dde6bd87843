#pragma once

#include <cstdint>

namespace ember::ml {

/// The double and Gaussian draws of java.util.Random on top of a generator's next(bits), so that
/// ember draws the same numbers as Spark from the same seed. Derived supplies
/// `std::int32_t next(int bits)`.
template <class Derived>
class JavaRandomDraws {
 public:
  /// Uniform in [0, 1), 53 random bits (Random.nextDouble).
  double nextDouble() {
    auto high = static_cast<std::int64_t>(self().next(26));
    auto low = static_cast<std::int64_t>(self().next(27));
    return static_cast<double>((high << 27) + low) * 0x1.0p-53;
  }
  /// Standard normal by the polar method, in pairs (Random.nextGaussian).
  double nextGaussian();
  std::int64_t nextLong() {
    auto high = static_cast<std::int64_t>(self().next(32));
    auto low = static_cast<std::int64_t>(self().next(32));
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(high) << 32) + low;
  }
  std::int32_t nextInt() { return self().next(32); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  bool have_next_gaussian_ = false;
  double next_gaussian_ = 0.0;
};

/// java.util.Random: the 48-bit linear congruential generator (scala.util.Random wraps it; the
/// data generators of MLlib's tests use it).
class JavaRandom : public JavaRandomDraws<JavaRandom> {
 public:
  explicit JavaRandom(std::int64_t seed);
  std::int32_t next(int bits);

 private:
  std::uint64_t seed_;
};

/// Spark's XORShiftRandom: a xorshift generator whose seed is spread by MurmurHash3, with
/// java.util.Random's draws. StreamingKMeans.setRandomCenters and Spark's samplers use it.
class XORShiftRandom : public JavaRandomDraws<XORShiftRandom> {
 public:
  explicit XORShiftRandom(std::int64_t seed);
  std::int32_t next(int bits);
  /// Spark's hashSeed: MurmurHash3 of the seed's 8 big-endian bytes, twice.
  static std::int64_t hashSeed(std::int64_t seed);

 private:
  std::uint64_t seed_;
};

extern template class JavaRandomDraws<JavaRandom>;
extern template class JavaRandomDraws<XORShiftRandom>;

}  // namespace ember::ml
