"""``report --compare``: matching two sides' timers and their ratios.

Reads both sides, matches universes by their swept parameter values and
decides per timer whether it got ``slower`` or ``faster`` (see
:mod:`.compare` for the rule: a factor and a rank test of the stored
histograms; one-shot timers and runs without per-invocation figures are
never marked); :mod:`.compare` re-exports
:func:`compare_paths` and formats the result.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from ..bench import _stats
from . import _reportstats
from ._compare_pairs import _match

__all__ = ["compare_paths"]


# Default timers nested in each default timer (transitively); user timers
# may be nested in any of them.
_NESTED = {
    "simulation": {
        "init",
        "setup",
        "prolog",
        "run",
        "epilog",
        "full_iteration",
        "model_iteration",
        "write_data",
        "monitor",
    },
    "run": {
        "prolog",
        "epilog",
        "full_iteration",
        "model_iteration",
        "write_data",
        "monitor",
    },
    "full_iteration": {"model_iteration", "write_data", "monitor"},
    "init": {"setup", "monitor"},
    "model_iteration": set(),
    "write_data": set(),
    "monitor": set(),
    "setup": set(),
    "prolog": set(),
    "epilog": set(),
    "teardown": set(),
}


# Default timers that run once per run: their total is one sample.
_ONE_SHOT = {"init", "setup", "prolog", "run", "epilog", "teardown"}
_ONE_SHOT.add("simulation")


class _Side:
    """One side's figures for one timer (possibly merged over universes).

    ``why`` says why its per-invocation figures are unknown (a killed run
    stores no total, the original package no invocation counts); then
    nothing of it is compared.
    """

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0
        self.stats: Optional[_stats.TimerStats] = None
        self.loop = 0.0
        self.present = False
        self.why: Optional[str] = None

    def add(self, data: Any, name: str) -> None:
        self.loop += data.totals.get("run", data.simulation)
        if name not in data.totals:
            return
        self.present = True
        if not data.complete:
            self.why = "incomplete run (killed?), no totals stored"
            return
        s = (getattr(data, "stats", None) or {}).get(name)
        if s is not None:
            self.stats = s if self.stats is None else self.stats + s
            self.total += s.total
            self.count += s.count
            return
        n = data.invocations.get(name)
        if n is None and name in _ONE_SHOT:
            n = 1
        if n is None:
            self.why = "no invocation counts stored (original package?)"
            return
        self.total += data.totals[name]
        self.count += n

    @property
    def mean(self) -> Optional[float]:
        return self.total / self.count if self.count else None

    def p(self, q: float) -> Optional[float]:
        return None if self.stats is None else self.stats.percentile(q)

    @property
    def median(self) -> float:
        """Interpolated median in seconds (a tested side only)."""
        assert self.stats is not None
        return _reportstats.median_ns(self.stats.counts)[0] / 1e9

    @property
    def median_bucket(self) -> int:
        """The histogram bucket of the median (a tested side only)."""
        assert self.stats is not None
        return _reportstats.median_ns(self.stats.counts)[1]


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or a <= 0:
        return None
    return b / a


def _kind(b: _Side, a: _Side) -> Tuple[str, Optional[str]]:
    """How a timer is compared: ``tested`` (rank test of the histograms),
    ``single sample``, ``few samples`` or ``not comparable``; and why."""
    for side, s in (("before", b), ("after", a)):
        if s.why:
            return "not comparable", f"{side}: {s.why}"
        if not s.present:
            return "not comparable", f"not in {side}"
    if not b.count or not a.count:
        return "not run", "no invocations"
    if b.stats is None or a.stats is None:
        return "single sample", "one-shot timer"
    n = min(b.count, a.count)
    if n < _reportstats.MIN_SAMPLES:
        return "few samples", f"{n} < {_reportstats.MIN_SAMPLES} invocations"
    return "tested", None


def _typical_loop(b: _Side, a: _Side) -> float:
    """The loop's time without its outliers, the larger side's: the
    ``full_iteration`` median times its invocations; the ``run`` totals
    where it has no histogram."""
    if b.stats is None or a.stats is None or not b.count or not a.count:
        return max(b.loop, a.loop)
    return max(b.median * b.count, a.median * a.count)


def _row(
    n: str, b: _Side, a: _Side, factor: float, min_share: float, ref: float
) -> Dict[str, Any]:
    # Changes are weighed against the typical loop (see _typical_loop),
    # not ``simulation``: a short run's init, which does not grow with
    # the steps, would hide a slower step, and a few preempted steps
    # would inflate the loop.
    sim = ref
    kind, note = _kind(b, a)
    comparable = kind not in ("not comparable", "not run")
    # The after side's total at the before side's invocation rate.
    scale = a.count / b.count if comparable else 1.0
    delta = a.total - b.total * scale if comparable else 0.0
    r_mean = r = _ratio(b.mean, a.mean) if comparable else None
    p_slower = p_faster = prob = r_med = None
    apart = 0
    if kind == "tested":
        prob, p_slower, p_faster = _reportstats.rank_test(
            b.stats.counts, a.stats.counts  # type: ignore[union-attr]
        )
        # Medians, not means: one preempted invocation of milliseconds
        # moves the mean of thousands of microsecond steps.
        r = r_med = _ratio(b.median, a.median)
        apart = a.median_bucket - b.median_bucket
        # The typical invocation's change over all of them; the totals'
        # change (``delta``, additive over nested timers) explains "via".
        change_ = (a.median - b.median) * a.count
    else:
        change_ = delta
    big = sim > 0 and abs(change_) >= min_share * sim
    cand = change = None
    for up, word, p in (
        (True, "slower", p_slower),
        (False, "faster", p_faster),
    ):
        if big and r is not None and (r > factor if up else r < 1 / factor):
            cand = word
            # Two buckets apart: resolved by the histograms.
            resolved = apart >= 2 if up else apart <= -2
            if p is not None and p < _reportstats.ALPHA and resolved:
                change = word
    return dict(
        timer=n,
        kind=kind,
        note=note,
        count_before=b.count if comparable else None,
        count_after=a.count if comparable else None,
        mean_before=b.mean if comparable else None,
        mean_after=a.mean if comparable else None,
        ratio_mean=r_mean,
        ratio_median=r_med,
        p50_before=b.p(50),
        p50_after=a.p(50),
        p99_before=b.p(99),
        p99_after=a.p(99),
        ratio_p99=_ratio(b.p(99), a.p(99)),
        prob_slower=prob,
        p_value=(p_slower if cand == "slower" else p_faster) if cand else None,
        change=change,
        via=[],
        _cand=change if kind == "tested" else cand,
        _delta=delta,
        _before=b.total * scale,
        _sim=max(b.loop, a.loop),
    )


def _compare_timers(
    befores: List[Any], afters: List[Any], factor: float, min_share: float
) -> List[Dict[str, Any]]:
    names = [n for d in befores for n in d.totals]
    names += [n for d in afters for n in d.totals]
    names = list(dict.fromkeys(names))
    sides = {}
    for n in names + ["full_iteration"]:
        b, a = _Side(), _Side()
        for d in befores:
            b.add(d, n)
        for d in afters:
            a.add(d, n)
        sides[n] = b, a
    ref = _typical_loop(*sides["full_iteration"])
    rows = {n: _row(n, *sides[n], factor, min_share, ref) for n in names}
    # Changes explained by timers nested inside: what is left of the
    # change once the nested timers' changes are taken off (the "self"
    # time) is within the factor or small, and a nested timer is marked.
    for n in sorted(rows, key=lambda k: len(_NESTED.get(k, ()))):
        r = rows[n]
        if r["_cand"] is None or n not in _NESTED:
            continue
        inner = [k for k in rows if k in _NESTED[n]]
        inner = [k for k in inner if not any(k in _NESTED[j] for j in inner)]

        def holds(j: str, k: str) -> bool:
            dj, dk = rows[j]["_delta"], rows[k]["_delta"]
            return dj * dk > 0 and abs(dk) <= abs(dj) * 1.1 + 1e-6

        users = [
            k
            for k, c in rows.items()
            if k not in _NESTED
            and c["change"] == r["_cand"]
            and holds(n, k)
            and not any(holds(j, k) for j in inner)
        ]
        via = [
            k
            for k in inner + users
            if rows[k]["change"] == r["_cand"]
            or (rows[k]["change"] is None and rows[k]["via"])
        ]
        via += [
            u
            for k in inner
            for u in rows[k]["via"]
            if u not in _NESTED and u not in via
        ]
        if not via:
            continue
        rest = r["_delta"] - sum(rows[k]["_delta"] for k in inner + users)
        before = r["_before"]
        small = abs(rest) < min_share * r["_sim"]
        within = (
            before > 0 and 1 / factor <= (before + rest) / before <= factor
        )
        if small or within:
            r["via"] = [k for k in via if k not in _NESTED] or via
    for r in rows.values():
        if r["via"]:
            r["change"] = None
    for r in rows.values():
        for k in ("_cand", "_delta", "_before", "_sim"):
            r.pop(k)
    return list(rows.values())


def compare_paths(
    before_path: str,
    after_path: str,
    *,
    factor: float = 1.1,
    min_share: float = 0.05,
    model: Optional[str] = None,
) -> Dict[str, Any]:
    """Compare the benchmarks at two paths (files or run directories).

    Raises:
        report.ReportError: If a side cannot be read or nothing matches.
    """
    from . import report

    if not 1 < factor < math.inf:
        raise report.ReportError(
            f"--factor must be a number > 1, got {factor}"
        )
    if not 0 <= min_share <= 1:
        raise report.ReportError(
            f"--min-share must be a share from 0 to 1, got {min_share}"
        )
    before = report.load_path(before_path, model=model)
    after = report.load_path(after_path, model=model)
    pairs, unmatched = _match(before, after)
    if not pairs:
        raise report.ReportError(
            f"{before_path} and {after_path}: no universes or models match "
            "(universes are matched by their swept parameter values)"
        )
    timers = _compare_timers(
        [p[2] for p in pairs], [p[3] for p in pairs], factor, min_share
    )
    if len(pairs) > 1:
        per = [
            {
                r["timer"]: r
                for r in _compare_timers([b], [a], factor, min_share)
            }
            for _, _, b, a in pairs
        ]
        for r in timers:
            # The median's ratio where tested (the mean is noisy).
            ratios = [
                p[r["timer"]]["ratio_median"] or p[r["timer"]]["ratio_mean"]
                for p in per
                if r["timer"] in p
            ]
            ratios = [x for x in ratios if x is not None]
            slower = sum(x > factor for x in ratios)
            faster = sum(x < 1 / factor for x in ratios)
            r["universes"] = dict(
                n=len(ratios),
                slower=slower,
                faster=faster,
                within=len(ratios) - slower - faster,
                min_ratio=min(ratios) if ratios else None,
                max_ratio=max(ratios) if ratios else None,
            )
            want = dict(slower=slower, faster=faster).get(
                r["change"] or "", len(ratios) - slower - faster
            )
            r["consistent"] = bool(ratios) and want == len(ratios)
    return dict(
        before=before_path,
        after=after_path,
        factor=factor,
        min_share=min_share,
        alpha=_reportstats.ALPHA,
        pairs=[dict(before=p[0], after=p[1]) for p in pairs],
        unmatched=unmatched,
        timers=timers,
        slowdown=[r["timer"] for r in timers if r["change"] == "slower"],
        skipped=list(before.get("skipped", []))
        + list(after.get("skipped", [])),
    )
