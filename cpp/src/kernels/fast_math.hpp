// Vectorized tanh of full double accuracy (a few ulp): the hot spot of small tanh networks, where
// std::tanh is scalar and far slower. Part of the kernel tables: compiled once per instruction set
// into the including table's namespace, with internal linkage (see kernels/table.inc).
#pragma once

#ifndef SYMHMC_KERNEL_NS
#error "kernels/fast_math.hpp is included by kernels/table.inc only"
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace symhmc {
namespace kernels {
namespace SYMHMC_KERNEL_NS {
namespace fastmath {
namespace {

// tanh on GCC/Clang vector types: explicit SIMD, because compilers do not reliably if-convert a
// branch-free scalar version for AVX2. kLanes doubles per register: 8 with AVX-512, 4 with AVX,
// else 2 (SSE2, NEON), since wider vectors than the registers are lowered poorly.
#if defined(__AVX512F__)
constexpr int kLanes = 8;
#elif defined(__AVX__)
constexpr int kLanes = 4;
#else
constexpr int kLanes = 2;
#endif
typedef double vdouble __attribute__((vector_size(kLanes * 8)));
typedef std::int64_t vint __attribute__((vector_size(kLanes * 8)));
typedef std::uint64_t vuint __attribute__((vector_size(kLanes * 8)));
// float32 vectors fill the same registers with twice the lanes.
constexpr int kFloatLanes = 2 * kLanes;
typedef float vfloat __attribute__((vector_size(kLanes * 8)));
typedef std::int32_t vint32 __attribute__((vector_size(kLanes * 8)));
typedef std::uint32_t vuint32 __attribute__((vector_size(kLanes * 8)));

inline vdouble vbroadcast(double a) { return vdouble{} + a; }
inline vfloat vbroadcast(float a) { return vfloat{} + a; }

inline vdouble vtanh(vdouble x) {
  const vuint sign_mask = vuint{} + 0x8000000000000000ULL;
  const vdouble ax = (vdouble)((vuint)x & ~sign_mask);
  const vdouble ac = ax < 22.0 ? ax : vbroadcast(22.0);  // tanh(22) == 1 in double precision
  // e = exp(2 ac): 2 ac = n ln2 + r with |r| <= ln2/2 (n rounded through the 1.5 * 2^52 shifter),
  // a degree-12 Taylor polynomial for exp(r) (truncation below 2e-16 relative), times 2^n built
  // in the exponent bits.
  const vdouble y = 2.0 * ac;
  const double shifter = 6755399441055744.0;
  vdouble kd = y * 1.4426950408889634 + shifter;
  const vuint ki = (vuint)kd;
  kd -= shifter;
  const vdouble r = (y - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10;
  // Estrin's scheme: the same polynomial with a dependency chain of 5 instead of 12 FMAs, so
  // that independent tanh evaluations overlap in the pipeline.
  const vdouble r2 = r * r;
  const vdouble r4 = r2 * r2;
  const vdouble r8 = r4 * r4;
  const vdouble p01 = 1.0 + r;
  const vdouble p23 = 1.0 / 2.0 + r * (1.0 / 6.0);
  const vdouble p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
  const vdouble p67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const vdouble p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  const vdouble p1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  const vdouble q0 = p01 + r2 * p23;
  const vdouble q1 = p45 + r2 * p67;
  const vdouble q2 = p89 + r2 * p1011;
  const vdouble s0 = q0 + r4 * q1;
  const vdouble s1 = q2 + r4 * (1.0 / 479001600.0);
  const vdouble p = s0 + r8 * s1;
  const vdouble e = p * (vdouble)((ki << 52) + 0x3FF0000000000000ULL);
  // |x| < 0.625: Cephes' rational approximation x + x z P(z) / Q(z); above: (e - 1) / (e + 1).
  // Both branches share the one division.
  const vdouble z = x * x;
  const vdouble pr = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3;
  const vdouble qr = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3;
  const vint small = ax < 0.625;
  const vdouble big_num = (vdouble)((vuint)(e - 1.0) | ((vuint)x & sign_mask));
  const vdouble num = small ? x * (qr + z * pr) : big_num;
  const vdouble den = small ? qr : e + 1.0;
  return num / den;
}

// tanh in float32 (a few ulp of float): the same scheme as the double version with shorter
// polynomials, Cephes' tanhf below |x| < 0.625.
inline vfloat vtanh(vfloat x) {
  const vuint32 sign_mask = vuint32{} + 0x80000000U;
  const vfloat ax = (vfloat)((vuint32)x & ~sign_mask);
  const vfloat ac = ax < 9.0f ? ax : vbroadcast(9.0f);  // tanh(9) == 1 in float
  // e = exp(2 ac) = 2^n exp(r), |r| <= ln2/2, degree-7 Taylor polynomial (truncation below 1e-8).
  const vfloat y = 2.0f * ac;
  const float shifter = 12582912.0f;  // 1.5 * 2^23
  vfloat kd = y * 1.44269504f + shifter;
  const vuint32 ki = (vuint32)kd;
  kd -= shifter;
  const vfloat r = (y - kd * 0.693359375f) - kd * -2.12194440e-4f;
  const vfloat r2 = r * r;
  const vfloat r4 = r2 * r2;
  const vfloat p01 = 1.0f + r;
  const vfloat p23 = 1.0f / 2.0f + r * (1.0f / 6.0f);
  const vfloat p45 = 1.0f / 24.0f + r * (1.0f / 120.0f);
  const vfloat p67 = 1.0f / 720.0f + r * (1.0f / 5040.0f);
  const vfloat p = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
  const vfloat e = p * (vfloat)((ki << 23) + 0x3F800000U);
  const vfloat z = x * x;
  const vfloat pr =
      ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z -
       3.33332819422e-1f) *
      z;
  const vint32 small = ax < 0.625f;
  const vfloat big_num = (vfloat)((vuint32)(e - 1.0f) | ((vuint32)x & sign_mask));
  const vfloat num = small ? x + x * pr : big_num;
  const vfloat den = small ? vbroadcast(1.0f) : e + 1.0f;
  return num / den;
}

inline void tanh_inplace(float* x, std::size_t n) {
  std::size_t i = 0;
  for (; i + kFloatLanes <= n; i += kFloatLanes) {
    vfloat v;
    std::memcpy(&v, x + i, sizeof v);
    v = vtanh(v);
    std::memcpy(x + i, &v, sizeof v);
  }
  if (i < n) {
    vfloat v{};
    std::memcpy(&v, x + i, (n - i) * sizeof(float));
    v = vtanh(v);
    std::memcpy(x + i, &v, (n - i) * sizeof(float));
  }
}

inline void tanh_inplace(double* x, std::size_t n) {
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    vdouble v;
    std::memcpy(&v, x + i, sizeof v);
    v = vtanh(v);
    std::memcpy(x + i, &v, sizeof v);
  }
  if (i < n) {  // tail: padded through one vector so every element takes the same code path
    vdouble v{};
    std::memcpy(&v, x + i, (n - i) * sizeof(double));
    v = vtanh(v);
    std::memcpy(x + i, &v, (n - i) * sizeof(double));
  }
}

}  // namespace
}  // namespace fastmath
}  // namespace SYMHMC_KERNEL_NS
}  // namespace kernels
}  // namespace symhmc
