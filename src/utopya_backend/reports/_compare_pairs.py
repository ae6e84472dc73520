"""``report --compare``: which universes or models of two sides are paired.

Universes of two run directories are paired by their swept parameter
values, models of two files by name (or the only one of each), and a file
against a run directory with each universe; split from
:mod:`._compare_match`, which compares the pairs' timers.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from . import _reportstats

__all__: List[str] = []


def _match(
    before: Dict[str, Any], after: Dict[str, Any]
) -> Tuple[List[Tuple[str, str, Any, Any]], List[str]]:
    """Pairs (label before, label after, data before, data after) and the
    labels that have no partner."""
    pairs, unmatched = [], []
    if before["kind"] == "run" and after["kind"] == "run":
        bp = _reportstats.universes_by_params(before["items"])
        ap = _reportstats.universes_by_params(after["items"])
        for key, bs in bp.items():
            as_ = ap.get(key, [])
            for i, (ub, db) in enumerate(bs):
                if i < len(as_):
                    ua, da = as_[i]
                    pairs.append((ub, ua, db, da))
                else:
                    unmatched.append(f"before {ub}")
            for ua, _ in as_[len(bs) :]:
                unmatched.append(f"after {ua}")
        for key, as_ in ap.items():
            if key not in bp:
                unmatched += [f"after {ua}" for ua, _ in as_]
        return pairs, unmatched
    bd = [d for ds in before["items"].values() for d in ds]
    ad = [d for ds in after["items"].values() for d in ds]
    if before["kind"] == "file" and after["kind"] == "file":
        by = {(d.model, d.group): d for d in ad}
        for d in bd:
            o = by.pop((d.model, d.group), None)
            if o is None and len(bd) == len(ad) == 1:
                o = ad[0]
                by.clear()
            if o is None:
                unmatched.append(f"before {d.model}")
            else:
                pairs.append((d.model, o.model, d, o))
        unmatched += [f"after {k[0]}" for k in by]
        return pairs, unmatched
    # A file against a run directory: every universe against the file.
    one, many = (bd, ad) if before["kind"] == "file" else (ad, bd)
    for d in many:
        b, a = (one[0], d) if before["kind"] == "file" else (d, one[0])
        pairs.append((b.path, a.path, b, a))
    return pairs, unmatched
