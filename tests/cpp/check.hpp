// A minimal check library for the C++ tests (no third-party framework).
//
//   CHECK(cond)                 the condition holds
//   CHECK_EQ(a, b)              a == b (both values printed on failure)
//   CHECK_NEAR(a, b, tol)       |a - b| <= tol (NaN fails)
//   CHECK_LT(a, b), CHECK_LE(a, b)
//   CHECK_THROWS(expr, Type)    evaluating expr throws Type
//   CHECK_MSG(cond, message)    like CHECK, with extra context (anything streamable)
//
// A failed check prints file:line and the values, counts the failure and carries on. main() ends
// with `return check::report("test_name");`, which prints a summary and returns 1 after any
// failure, so ctest sees it.
#pragma once

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

namespace check {

struct Counters {
  long checks = 0;
  long failures = 0;
};

inline Counters& counters() {
  static Counters c;
  return c;
}

inline void record(bool ok, const char* file, int line, const std::string& what) {
  ++counters().checks;
  if (ok) return;
  constexpr long kMaxPrinted = 50;  // keep the log readable when a loop fails everywhere
  if (++counters().failures <= kMaxPrinted)
    std::cerr << file << ":" << line << ": check failed: " << what << std::endl;
  else if (counters().failures == kMaxPrinted + 1)
    std::cerr << "(further failures are counted but not printed)" << std::endl;
}

template <class T>
std::string show(const T& v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}
inline std::string show(unsigned char v) { return show(int(v)); }
inline std::string show(signed char v) { return show(int(v)); }

inline int report(const char* name) {
  const Counters& c = counters();
  if (c.failures == 0) {
    std::cout << name << ": all " << c.checks << " checks passed" << std::endl;
    return 0;
  }
  std::cout << name << ": " << c.failures << " of " << c.checks << " checks FAILED" << std::endl;
  return 1;
}

}  // namespace check

#define CHECK(cond) ::check::record(static_cast<bool>(cond), __FILE__, __LINE__, #cond)

#define CHECK_MSG(cond, message)                                      \
  do {                                                                \
    const bool check_ok_ = static_cast<bool>(cond);                   \
    std::ostringstream check_msg_;                                    \
    if (!check_ok_) check_msg_ << #cond << " (" << message << ")";    \
    ::check::record(check_ok_, __FILE__, __LINE__, check_msg_.str()); \
  } while (0)

#define CHECK_BINARY_(a, b, op)                                                                              \
  do {                                                                                                       \
    const auto& check_a_ = (a);                                                                              \
    const auto& check_b_ = (b);                                                                              \
    const bool check_ok_ = check_a_ op check_b_;                                                             \
    ::check::record(check_ok_, __FILE__, __LINE__,                                                           \
                    check_ok_ ? std::string()                                                                \
                              : std::string(#a " " #op " " #b " with ") + ::check::show(check_a_) + " vs " + \
                                    ::check::show(check_b_));                                                \
  } while (0)

#define CHECK_EQ(a, b) CHECK_BINARY_(a, b, ==)
#define CHECK_LT(a, b) CHECK_BINARY_(a, b, <)
#define CHECK_LE(a, b) CHECK_BINARY_(a, b, <=)

#define CHECK_NEAR(a, b, tol)                                                                                     \
  do {                                                                                                            \
    const double check_a_ = (a), check_b_ = (b), check_tol_ = (tol);                                              \
    const bool check_ok_ = std::fabs(check_a_ - check_b_) <= check_tol_;                                          \
    ::check::record(check_ok_, __FILE__, __LINE__,                                                                \
                    check_ok_                                                                                     \
                        ? std::string()                                                                           \
                        : std::string("|" #a " - " #b "| <= " #tol " with ") + ::check::show(check_a_) + " vs " + \
                              ::check::show(check_b_) + " (tolerance " + ::check::show(check_tol_) + ")");        \
  } while (0)

#define CHECK_THROWS(expr, Type)                                                          \
  do {                                                                                    \
    bool check_thrown_ = false;                                                           \
    try {                                                                                 \
      (void)(expr);                                                                       \
    } catch (const Type&) {                                                               \
      check_thrown_ = true;                                                               \
    } catch (...) {                                                                       \
    }                                                                                     \
    ::check::record(check_thrown_, __FILE__, __LINE__, "expected " #Type " from " #expr); \
  } while (0)
