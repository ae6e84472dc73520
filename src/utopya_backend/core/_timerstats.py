"""Per-invocation statistics of timers: histogram layout and TimerStats.

The layout, the recording of one duration and the derived figures (mean,
std, percentiles, merging), in one place so the twins cannot drift apart;
:mod:`._stats` re-exports the public names.

Every cumulative timer records each segment's duration ``d`` (integer ns) at
each pause: count, sum, min, max, the exact sum of squares and a log-linear
histogram (see ``_tstats.h``): below 16 ns one bucket per ns; above, each
power of two is split into 8 equal sub-buckets by the 3 bits after the
leading one, so no bucket is wider than 1/8 of its lower edge. 488 buckets
cover 0 ns to 2**63 ns. Histograms with this layout add bucket by bucket.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "SUB_BITS",
    "N_BUCKETS",
    "STAT_COLUMNS",
    "PERCENTILES",
    "bucket_index",
    "bucket_lower_ns",
    "bucket_edges_ns",
    "TimerStats",
    "merge",
    "record_py",
    "check_saved_state",
]

SUB_BITS = 3
"""Bits after the leading one that pick the sub-bucket (8 per octave)."""

N_BUCKETS = (63 - SUB_BITS + 1) << SUB_BITS
"""Number of histogram buckets: 488, from 0 ns up to 2**63 ns."""

PERCENTILES = (50.0, 90.0, 99.0)
"""Percentiles the summary, the file and the report show."""

STAT_COLUMNS = (
    "count",
    "sum",
    "sum_sq",
    "min",
    "max",
    "mean",
    "std",
    "p50",
    "p90",
    "p99",
)
"""Columns of the stored ``stats`` dataset: ``count``, then seconds
(``sum_sq`` in s²)."""

_SUMSQ_MOD = 1 << 128


def bucket_index(d: int) -> int:
    """The histogram bucket of a duration ``d`` in ns (as ``_tstats.h``)."""
    if d < 16:
        return d if d > 0 else 0
    b = d.bit_length()
    return ((b - SUB_BITS) << SUB_BITS) + ((d >> (b - 1 - SUB_BITS)) & 7)


def bucket_lower_ns(i: int) -> int:
    """The smallest duration (ns) that falls into bucket ``i``."""
    if i < 16:
        return i
    b = (i >> SUB_BITS) + SUB_BITS
    return (8 + (i & 7)) << (b - 1 - SUB_BITS)


def bucket_edges_ns() -> np.ndarray:
    """The ``N_BUCKETS + 1`` bucket edges in ns, as float64 (all exact)."""
    edges = [float(bucket_lower_ns(i)) for i in range(N_BUCKETS)]
    return np.array(edges + [float(1 << 63)], dtype=np.float64)


_EDGES = bucket_edges_ns()


def _ns(value: Optional[int]) -> Optional[float]:
    return None if value is None else value / 1e9


@dataclass
class TimerStats:
    """Statistics of one timer's segment durations (segments = invocations).

    Exact integers in ns (``sum_sq_ns2`` in ns²) plus the histogram counts;
    the properties give seconds. Add two with ``+`` (or ``merge``) to
    combine runs or universes of the same timer.
    """

    count: int = 0
    sum_ns: int = 0
    min_ns: Optional[int] = None
    max_ns: Optional[int] = None
    sum_sq_ns2: int = 0
    counts: np.ndarray = field(
        default_factory=lambda: np.zeros(N_BUCKETS, dtype=np.int64)
    )

    # .. construction .........................................................

    @classmethod
    def from_raw(
        cls,
        count: int,
        sum_ns: int,
        min_ns: int,
        max_ns: int,
        sum_sq_ns2: int,
        counts: Any,
    ) -> TimerStats:
        """From a core's fields; min/max are ignored while count is 0."""
        return cls(
            count=int(count),
            sum_ns=int(sum_ns),
            min_ns=int(min_ns) if count else None,
            max_ns=int(max_ns) if count else None,
            sum_sq_ns2=int(sum_sq_ns2),
            counts=np.array(counts, dtype=np.int64).reshape(N_BUCKETS),
        )

    @classmethod
    def from_durations(cls, durations_ns: Iterable[int]) -> TimerStats:
        """Record ``durations_ns`` one by one, as a timer would."""
        s = cls()
        counts = [0] * N_BUCKETS
        for d in durations_ns:
            d = int(d)
            s.count += 1
            s.sum_ns += d
            s.min_ns = d if s.min_ns is None else min(s.min_ns, d)
            s.max_ns = d if s.max_ns is None else max(s.max_ns, d)
            s.sum_sq_ns2 = (s.sum_sq_ns2 + d * d) % _SUMSQ_MOD
            counts[bucket_index(d)] += 1
        s.counts = np.array(counts, dtype=np.int64)
        return s

    # .. figures (seconds) ....................................................

    @property
    def mean(self) -> Optional[float]:
        """Mean seconds per invocation (None without invocations)."""
        if not self.count:
            return None
        return self.sum_ns / self.count / 1e9

    @property
    def std(self) -> Optional[float]:
        """Population standard deviation in seconds, from exact sums."""
        n = self.count
        if not n:
            return None
        num = n * self.sum_sq_ns2 - self.sum_ns * self.sum_ns  # n² var
        return math.sqrt(max(num, 0)) / n / 1e9

    @property
    def min(self) -> Optional[float]:
        """Shortest invocation, seconds."""
        return _ns(self.min_ns)

    @property
    def max(self) -> Optional[float]:
        """Longest invocation, seconds."""
        return _ns(self.max_ns)

    @property
    def total(self) -> float:
        """Sum of all invocations, seconds."""
        return self.sum_ns / 1e9

    def percentile(self, q: float) -> Optional[float]:
        """The ``q``-th percentile (0-100) of the durations, in seconds.

        Nearest rank on the histogram: the middle of the bucket that holds
        the value of rank ``ceil(q/100 * count)``, kept within [min, max].
        So it lies within one bucket (at most 1/8 relative) of the true
        value.
        """
        if not self.count:
            return None
        if not 0 <= q <= 100:
            raise ValueError(f"percentile must be in [0, 100], got {q!r}")
        rank = max(1, math.ceil(q * self.count / 100))
        i = int(np.searchsorted(np.cumsum(self.counts), rank))
        i = min(i, N_BUCKETS - 1)
        lo, hi = _EDGES[i], _EDGES[i + 1]
        mid = (lo + hi - 1) / 2 if i >= 16 else lo
        if self.min_ns is not None:
            mid = min(max(mid, self.min_ns), self.max_ns)  # type: ignore
        return float(mid) / 1e9

    def percentiles(
        self, qs: Sequence[float] = PERCENTILES
    ) -> Dict[str, Optional[float]]:
        """``{"p50": seconds, ...}`` for the percentiles ``qs``."""
        return {f"p{q:g}": self.percentile(q) for q in qs}

    def summary(self) -> Dict[str, Any]:
        """count, mean, std, min, max, p50, p90, p99 (seconds)."""
        return dict(
            count=self.count,
            total=self.total,
            mean=self.mean,
            std=self.std,
            min=self.min,
            max=self.max,
            **self.percentiles(),
        )

    def row(self) -> List[float]:
        """The values of ``STAT_COLUMNS`` (NaN where undefined)."""
        nan = float("nan")

        def f(v: Optional[float]) -> float:
            return nan if v is None else float(v)

        p = self.percentiles()
        return [
            float(self.count),
            self.total,
            self.sum_sq_ns2 / 1e18,
            f(self.min),
            f(self.max),
            f(self.mean),
            f(self.std),
            f(p["p50"]),
            f(p["p90"]),
            f(p["p99"]),
        ]

    # .. merging ..............................................................

    def __add__(self, other: TimerStats) -> TimerStats:
        if not isinstance(other, TimerStats):
            return NotImplemented
        lo = [v for v in (self.min_ns, other.min_ns) if v is not None]
        hi = [v for v in (self.max_ns, other.max_ns) if v is not None]
        return TimerStats(
            count=self.count + other.count,
            sum_ns=self.sum_ns + other.sum_ns,
            min_ns=min(lo) if lo else None,
            max_ns=max(hi) if hi else None,
            sum_sq_ns2=self.sum_sq_ns2 + other.sum_sq_ns2,
            counts=self.counts + other.counts,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimerStats):
            return NotImplemented
        return (
            self.count,
            self.sum_ns,
            self.min_ns,
            self.max_ns,
            self.sum_sq_ns2,
        ) == (
            other.count,
            other.sum_ns,
            other.min_ns,
            other.max_ns,
            other.sum_sq_ns2,
        ) and bool(
            np.array_equal(self.counts, other.counts)
        )

    # .. storage ..............................................................

    @classmethod
    def from_stored(cls, row: Sequence[float], counts: Any) -> TimerStats:
        """From a row of the ``stats`` dataset and the histogram counts.

        Sums come back from seconds, so they are exact only to float64.
        """
        col = dict(zip(STAT_COLUMNS, row))
        n = int(col["count"])

        def ns(key: str) -> Optional[int]:
            v = col.get(key)
            if v is None or not math.isfinite(v):
                return None
            return int(round(v * 1e9))

        sq = col.get("sum_sq")  # missing like sum: 0
        return cls(
            count=n,
            sum_ns=ns("sum") or 0,
            min_ns=ns("min") if n else None,
            max_ns=ns("max") if n else None,
            sum_sq_ns2=(
                int(round(sq * 1e18))
                if sq is not None and math.isfinite(sq)
                else 0
            ),
            counts=np.asarray(counts, dtype=np.int64).reshape(N_BUCKETS),
        )


def merge(stats: Iterable[TimerStats]) -> TimerStats:
    """The statistics of all the given streams together."""
    out = TimerStats()
    for s in stats:
        out = out + s
    return out


def record_py(state: list, counts: list, d: int) -> None:
    """Record ``d`` into a pure-Python timer's stats (``_timing_py``).

    ``state`` is ``[count, sum, min, max, sum_sq]`` with min/max None while
    empty; ``counts`` a list of ``N_BUCKETS`` ints.
    """
    state[0] += 1
    state[1] += d
    if state[2] is None or d < state[2]:
        state[2] = d
    if state[3] is None or d > state[3]:
        state[3] = d
    state[4] = (state[4] + d * d) % _SUMSQ_MOD
    counts[bucket_index(d)] += 1


_INT64 = (-(2**63), 2**63 - 1)


def check_saved_state(stats: Any) -> Tuple[int, int, int, int, int, list]:
    """Check a timer's saved statistics (``Timer.__reduce__``'s ``stats``)
    and return them as ints; both twins refuse a bad state with one text.

    A state is ``(count, sum, min, max, sum_sq, ((bucket, n), ...))``:
    int64 fields, a sum of squares in 0 .. 2**128 - 1 and buckets in
    0 .. N_BUCKETS - 1.
    """
    count, total, lo, hi, sumsq, hist = stats
    fields = [operator.index(v) for v in (count, total, lo, hi)]
    pairs = [(operator.index(i), operator.index(n)) for i, n in hist]
    for value in fields + [n for _, n in pairs]:
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"saved timer statistic {value} out of int64")
    sumsq = operator.index(sumsq)
    if not 0 <= sumsq < _SUMSQ_MOD:
        raise ValueError(
            f"saved sum of squares {sumsq} out of range 0 .. 2**128 - 1"
        )
    for i, _ in pairs:
        if not 0 <= i < N_BUCKETS:
            raise ValueError(f"histogram bucket {i} out of range")
    count, total, lo, hi = fields
    return count, total, lo, hi, sumsq, pairs
