// Counter-based random numbers: Philox4x32-10 (Salmon et al. 2011, Random123).
//
// A stream is (64-bit key, 64-bit stream id); symhmc uses stream id = chain index, so chain c
// under key k draws the same numbers whatever thread, schedule or batch it runs in. Within a
// stream the 128-bit counter is (n_lo, n_hi, stream_lo, stream_hi) with n the block index.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace symhmc {

using Philox4x32 = std::array<std::uint32_t, 4>;

// One Philox4x32-10 block: bijection of the counter under the key.
inline Philox4x32 philox4x32_10(Philox4x32 ctr, std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    const std::uint64_t p0 = std::uint64_t(kM0) * ctr[0];
    const std::uint64_t p1 = std::uint64_t(kM1) * ctr[2];
    const std::uint32_t hi0 = std::uint32_t(p0 >> 32), lo0 = std::uint32_t(p0);
    const std::uint32_t hi1 = std::uint32_t(p1 >> 32), lo1 = std::uint32_t(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

// Sequential generator over one stream; cheap to construct, no global state.
class Rng {
 public:
  Rng(std::uint64_t key, std::uint64_t stream) : key_{std::uint32_t(key), std::uint32_t(key >> 32)}, stream_(stream) {}

  // 64 random bits.
  std::uint64_t next_u64() {
    if (pos_ == 2) refill();
    return buf_[pos_++];
  }
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform on (0, 1].
  double uniform_pos() { return double((next_u64() >> 11) + 1) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal (Box-Muller; both values of a pair are used).
  double normal() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_pos()));
    const double t = 6.283185307179586476925 * uniform();
    spare_ = r * std::sin(t);
    have_spare_ = true;
    return r * std::cos(t);
  }
  std::uint64_t blocks_used() const { return counter_; }

 private:
  void refill() {
    const Philox4x32 out = philox4x32_10(
        {std::uint32_t(counter_), std::uint32_t(counter_ >> 32), std::uint32_t(stream_), std::uint32_t(stream_ >> 32)},
        key_);
    ++counter_;
    buf_[0] = (std::uint64_t(out[1]) << 32) | out[0];
    buf_[1] = (std::uint64_t(out[3]) << 32) | out[2];
    pos_ = 0;
  }

  std::array<std::uint32_t, 2> key_;
  std::uint64_t stream_;
  std::uint64_t counter_ = 0;
  std::uint64_t buf_[2] = {0, 0};
  int pos_ = 2;
  double spare_ = 0.0;
  bool have_spare_ = false;
};

}  // namespace symhmc
