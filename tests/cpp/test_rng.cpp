// Philox4x32-10 known answers and the moments of symhmc::Rng's uniform and normal draws.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "check.hpp"
#include "symhmc/rng.hpp"

using symhmc::Philox4x32;
using symhmc::Rng;

namespace {

void known_answers() {
  // Random123 kat_vectors, philox4x32_10 (the same vectors as tests/test_rng.py).
  CHECK((symhmc::philox4x32_10({0, 0, 0, 0}, {0, 0}) == Philox4x32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  CHECK((symhmc::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
         Philox4x32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  CHECK((symhmc::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
         Philox4x32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// The documented stream layout: block n of stream s under key k is Philox(counter (n_lo, n_hi,
// s_lo, s_hi), key (k_lo, k_hi)); next_u64 returns words (1, 0) then (3, 2) of each block.
void stream_layout() {
  const std::uint64_t key = 0x0123456789abcdefULL, stream = 0xfedcba9876543210ULL;
  Rng rng(key, stream);
  const std::array<std::uint32_t, 2> k{std::uint32_t(key), std::uint32_t(key >> 32)};
  for (std::uint32_t n = 0; n < 3; ++n) {
    const Philox4x32 b = symhmc::philox4x32_10({n, 0, std::uint32_t(stream), std::uint32_t(stream >> 32)}, k);
    CHECK_EQ(rng.next_u64(), (std::uint64_t(b[1]) << 32) | b[0]);
    CHECK_EQ(rng.next_u64(), (std::uint64_t(b[3]) << 32) | b[2]);
  }
  CHECK_EQ(rng.blocks_used(), std::uint64_t(3));
}

void uniform_moments() {
  const int n = 100000;
  Rng rng(123, 7);
  double sum = 0.0, lo = 1.0, hi = 0.0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    sum += u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  CHECK_LE(0.0, lo);
  CHECK_LT(hi, 1.0);
  // 5 standard errors: the standard deviation of U(0, 1) is sqrt(1/12).
  CHECK_NEAR(sum / n, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / n));

  Rng pos(123, 8);
  double lo_pos = 1.0, hi_pos = 0.0;
  for (int i = 0; i < n; ++i) {
    const double u = pos.uniform_pos();
    lo_pos = std::min(lo_pos, u);
    hi_pos = std::max(hi_pos, u);
  }
  CHECK_LT(0.0, lo_pos);
  CHECK_LE(hi_pos, 1.0);

  Rng ab(1, 2);
  bool inside = true;
  for (int i = 0; i < 1000; ++i) {
    const double u = ab.uniform(-3.0, 2.0);
    inside = inside && u >= -3.0 && u < 2.0;
  }
  CHECK(inside);
}

void normal_moments() {
  const int n = 100000;
  Rng rng(123, 7);
  double s1 = 0.0, s2 = 0.0, s4 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  const double mean = s1 / n, var = s2 / n - mean * mean;
  // 5 standard errors: mean 1/sqrt(n), variance sqrt(2/n), fourth moment sqrt(96/n).
  CHECK_NEAR(mean, 0.0, 5.0 / std::sqrt(double(n)));
  CHECK_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
  CHECK_NEAR(s4 / n, 3.0, 5.0 * std::sqrt(96.0 / n));
}

std::vector<double> normals(std::uint64_t key, std::uint64_t stream, int n) {
  Rng rng(key, stream);
  std::vector<double> v(n);
  for (double& x : v) x = rng.normal();
  return v;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  double ma = 0.0, mb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0.0, saa = 0.0, sbb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

void streams() {
  const int n = 1000;
  const std::vector<double> a = normals(5, 0, n);
  CHECK(a == normals(5, 0, n));  // reproducible
  const std::vector<double> b = normals(5, 1, n), c = normals(6, 0, n), d = normals(5, std::uint64_t(1) << 32, n);
  CHECK(a != b);
  CHECK(a != c);
  CHECK(a != d);  // the high half of the stream id matters too
  // Independent streams: sample correlation within 5 / sqrt(n).
  const double tol = 5.0 / std::sqrt(double(n));
  CHECK_NEAR(correlation(a, b), 0.0, tol);
  CHECK_NEAR(correlation(a, c), 0.0, tol);
  CHECK_NEAR(correlation(a, d), 0.0, tol);
  // A shorter request is a prefix of a longer one.
  const std::vector<double> first = normals(5, 0, 10);
  CHECK(std::equal(first.begin(), first.end(), a.begin()));
}

}  // namespace

int main() {
  known_answers();
  stream_layout();
  uniform_moments();
  normal_moments();
  streams();
  return check::report("test_rng");
}
