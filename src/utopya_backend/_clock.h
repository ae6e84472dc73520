/* Monotonic clock in integer nanoseconds, read without the GIL.
 *
 * POSIX: clock_gettime(CLOCK_MONOTONIC), the clock behind Python's
 * time.monotonic_ns() there, so the pure-Python twin reads the same clock.
 * Windows: QueryPerformanceCounter, scaled to nanoseconds.
 */
#ifndef UTOPYA_BACKEND_CLOCK_H
#define UTOPYA_BACKEND_CLOCK_H

#include <stdint.h>

#if defined(_WIN32)
#include <windows.h>

static inline int64_t ub_monotonic_ns(void)
{
    /* The frequency is fixed at boot; a racy first read stores the same
       value from every thread. */
    static LARGE_INTEGER freq = {0};
    LARGE_INTEGER now;
    if (freq.QuadPart == 0) {
        QueryPerformanceFrequency(&freq);
    }
    QueryPerformanceCounter(&now);
    /* Split into seconds and remainder so the product cannot overflow. */
    return (now.QuadPart / freq.QuadPart) * 1000000000LL
        + (now.QuadPart % freq.QuadPart) * 1000000000LL / freq.QuadPart;
}

#else
#include <time.h>

static inline int64_t ub_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + (int64_t)ts.tv_nsec;
}

#endif
#endif /* UTOPYA_BACKEND_CLOCK_H */
