// OpenMP helpers: thread counts, and exceptions carried out of parallel regions.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace symhmc {

inline bool have_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

// threads <= 0 means "all available"; always 1 without OpenMP.
inline int resolve_threads(int threads) {
#ifdef _OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
}

// Keeps the first exception thrown inside a parallel region so it can be rethrown after it:
// an exception escaping an OpenMP region would terminate the process.
class ExceptionCarrier {
 public:
  template <class F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
};

// Runs job(i) for every i in [0, n) over OpenMP, one index at a time (schedule(dynamic, 1): chains
// and ensemble members cost very different amounts). The first exception sets `interrupt`, so the
// other jobs stop at their next check, and is rethrown once every thread has left the region.
template <class Job>
void run_parallel_jobs(std::int64_t n, [[maybe_unused]] int threads, std::atomic<bool>& interrupt, Job&& job) {
  ExceptionCarrier errors;
#pragma omp parallel for schedule(dynamic, 1) num_threads(resolve_threads(threads))
  for (std::int64_t i = 0; i < n; ++i) {
    errors.run([&] {
      try {
        job(i);
      } catch (...) {
        interrupt.store(true);
        throw;
      }
    });
  }
  errors.rethrow();
}

// Sets job i's entry of the caller's `finished` array once its outputs are written, and counts it
// done. The outputs are published before the flag (release), so another thread may copy the
// finished jobs while the run goes on (checkpoints).
inline void publish_finished(std::uint8_t& flag, bool finished, std::atomic<std::int64_t>& jobs_done) {
  std::atomic_thread_fence(std::memory_order_release);
  flag = finished ? 1 : 0;
  if (finished) jobs_done.fetch_add(1, std::memory_order_release);
}

}  // namespace symhmc
