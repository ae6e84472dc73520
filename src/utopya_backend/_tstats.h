/* Streaming statistics of a timer's segment durations, in integer ns.
 *
 * Count, sum, min, max, the exact sum of squares (128 bits) and a
 * fixed-memory log-linear histogram: durations below 16 ns have a bucket
 * each; above, every power of two [2^(b-1), 2^b) is split into 8 equal
 * sub-buckets by the 3 bits after the leading one, so a bucket is at most
 * 1/8 of its lower edge wide. 488 buckets cover 0 ns to 2^63 ns (292
 * years): no duration overflows. Negative durations (a custom clock that
 * went back) count in bucket 0.
 *
 * Recording costs a handful of integer operations: one count-leading-zeros,
 * a shift, a mask, one 64x64->128 multiply and a few adds and compares. The
 * layout (bucket index and edges) is mirrored in _stats.py; keep them
 * together.
 */
#ifndef UTOPYA_BACKEND_TSTATS_H
#define UTOPYA_BACKEND_TSTATS_H

#include <stdint.h>
#if defined(_MSC_VER)
#include <intrin.h>
#endif

#define UB_HIST_SUB_BITS 3
#define UB_HIST_BUCKETS 488 /* (63 - 3 + 1) << 3 */

typedef struct {
    int64_t count;
    int64_t sum;      /* wraps modulo 2^64, like the timer's elapsed_ns */
    int64_t min;      /* INT64_MAX while count == 0 */
    int64_t max;      /* INT64_MIN while count == 0 */
    uint64_t sumsq_lo; /* sum of squares, modulo 2^128 */
    uint64_t sumsq_hi;
    int64_t hist[UB_HIST_BUCKETS];
} ub_tstats;

static inline void ub_tstats_clear(ub_tstats *s)
{
    int i;
    s->count = 0;
    s->sum = 0;
    s->min = INT64_MAX;
    s->max = INT64_MIN;
    s->sumsq_lo = 0;
    s->sumsq_hi = 0;
    for (i = 0; i < UB_HIST_BUCKETS; i++) {
        s->hist[i] = 0;
    }
}

/* Number of bits of v > 0 (64 - count of leading zeros). */
static inline int ub_bit_length(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return 64 - __builtin_clzll(v);
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_ARM64))
    unsigned long i;
    _BitScanReverse64(&i, v);
    return (int)i + 1;
#else
    int n = 1;
    if (v >> 32) { n += 32; v >>= 32; }
    if (v >> 16) { n += 16; v >>= 16; }
    if (v >> 8) { n += 8; v >>= 8; }
    if (v >> 4) { n += 4; v >>= 4; }
    if (v >> 2) { n += 2; v >>= 2; }
    if (v >> 1) { n += 1; }
    return n;
#endif
}

static inline int ub_hist_bucket(int64_t d)
{
    uint64_t v;
    int b;
    if (d < 16) {
        return d > 0 ? (int)d : 0;
    }
    v = (uint64_t)d;
    b = ub_bit_length(v); /* 5 .. 63 */
    return ((b - UB_HIST_SUB_BITS) << UB_HIST_SUB_BITS)
        + (int)((v >> (b - 1 - UB_HIST_SUB_BITS)) & 7);
}

/* v * v as 128 bits, added to (hi, lo). */
static inline void ub_add_square(uint64_t *lo, uint64_t *hi, uint64_t v)
{
#if defined(__SIZEOF_INT128__)
    unsigned __int128 acc = ((unsigned __int128)*hi << 64) | *lo;
    acc += (unsigned __int128)v * v;
    *lo = (uint64_t)acc;
    *hi = (uint64_t)(acc >> 64);
#elif defined(_MSC_VER) && defined(_M_X64)
    uint64_t sq_hi;
    uint64_t sq_lo = _umul128(v, v, &sq_hi);
    uint64_t old = *lo;
    *lo = old + sq_lo;
    *hi += sq_hi + (*lo < old);
#else
    uint64_t a = v >> 32, b = v & 0xffffffffu;
    uint64_t ab = a * b; /* < 2^64 */
    uint64_t sq_lo = b * b, sq_hi = a * a, mid_lo = ab << 33, old;
    sq_hi += ab >> 31;
    old = sq_lo;
    sq_lo += mid_lo;
    sq_hi += (sq_lo < old);
    old = *lo;
    *lo = old + sq_lo;
    *hi += sq_hi + (*lo < old);
#endif
}

static inline void ub_tstats_record(ub_tstats *s, int64_t d)
{
    uint64_t m = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
    s->count += 1;
    s->sum = (int64_t)((uint64_t)s->sum + (uint64_t)d);
    if (d < s->min) s->min = d;
    if (d > s->max) s->max = d;
    ub_add_square(&s->sumsq_lo, &s->sumsq_hi, m);
    s->hist[ub_hist_bucket(d)] += 1;
}

#endif /* UTOPYA_BACKEND_TSTATS_H */
