"""HDF5 storage of timer statistics and resources in a benchmark group.

Writes and reads ``histogram``, ``histogram_edges``, ``stats`` and
``resources``, labelled for utopya's data manager; :mod:`._stats`
re-exports the public names.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import numpy as np

from ..core._timerstats import (
    _EDGES,
    N_BUCKETS,
    STAT_COLUMNS,
    SUB_BITS,
    TimerStats,
)
from ._resources import RESOURCE_LABELS, RESOURCE_UNITS

__all__ = ["write_stats", "read_stats", "read_resources"]


def write_stats(
    grp: Any,
    stats: Dict[str, TimerStats],
    resources: Optional[Dict[str, float]],
    compression: Optional[int],
) -> None:
    """Store ``histogram``, ``histogram_edges``, ``stats`` and
    ``resources`` in the benchmark group ``grp``, labelled for utopya's data
    manager. An existing dataset of these names is replaced."""
    names = list(stats)
    kw = dict(compression=compression) if compression else {}
    for key in ("histogram", "histogram_edges", "stats", "resources"):
        if key in grp:
            del grp[key]
    edges_s = _EDGES / 1e9
    counts = np.zeros((len(names), N_BUCKETS), dtype=np.int64)
    for i, n in enumerate(names):
        counts[i] = stats[n].counts
    ds = grp.create_dataset(
        "histogram", data=counts, **(kw if len(names) else {})
    )
    ds.attrs["dim_names"] = ["label", "bucket"]
    ds.attrs["coords_mode__label"] = "values"
    ds.attrs["coords__label"] = names
    ds.attrs["coords_mode__bucket"] = "values"
    ds.attrs["coords__bucket"] = edges_s[:-1]
    ds.attrs["layout"] = (
        "log-linear: one bucket per ns below 16 ns, then 8 equal buckets "
        "per power of two of the duration in ns; bucket coordinate = lower "
        "edge in seconds; edges in histogram_edges"
    )
    ds.attrs["sub_bits"] = SUB_BITS
    e = grp.create_dataset("histogram_edges", data=edges_s)
    e.attrs["dim_names"] = ["edge"]
    e.attrs["units"] = "s"
    table = np.array(
        [stats[n].row() for n in names], dtype=np.float64
    ).reshape(len(names), len(STAT_COLUMNS))
    st = grp.create_dataset("stats", data=table)
    st.attrs["dim_names"] = ["label", "stat"]
    st.attrs["coords_mode__label"] = "values"
    st.attrs["coords__label"] = names
    st.attrs["coords_mode__stat"] = "values"
    st.attrs["coords__stat"] = list(STAT_COLUMNS)
    st.attrs["units"] = (
        "count: invocations; sum_sq: s^2; others: seconds per invocation "
        "(sum: seconds); std: population standard deviation"
    )
    if resources is None:
        return
    r = grp.create_dataset(
        "resources",
        data=np.array(
            [resources[k] for k in RESOURCE_LABELS], dtype=np.float64
        ),
    )
    r.attrs["dim_names"] = ["label"]
    r.attrs["coords_mode__label"] = "values"
    r.attrs["coords__label"] = list(RESOURCE_LABELS)
    r.attrs["units"] = list(RESOURCE_UNITS)


def _names(values: Any) -> List[str]:
    return [
        v.decode() if isinstance(v, bytes) else str(v)
        for v in np.atleast_1d(values)
    ]


def read_stats(grp: Any) -> Dict[str, TimerStats]:
    """The per-timer statistics stored in benchmark group ``grp``, or {}.

    Raises:
        ValueError: If the datasets are there but do not fit together.
    """
    if "stats" not in grp or "histogram" not in grp:
        return {}
    st, h = grp["stats"], grp["histogram"]
    names = _names(st.attrs.get("coords__label", []))
    cols = _names(st.attrs.get("coords__stat", []))
    if h.ndim != 2 or h.shape != (len(names), N_BUCKETS):
        raise ValueError(
            f"{h.name} has shape {h.shape}, expected "
            f"({len(names)}, {N_BUCKETS}) (this version's bucket layout)"
        )
    if _names(h.attrs.get("coords__label", [])) != names:
        raise ValueError(f"{h.name} and {st.name} label different timers")
    if not names:  # a run without cumulative timers: empty tables
        return {}
    if "count" not in cols:
        raise ValueError(f"{st.name} has no 'count' column")
    table = np.asarray(st[()], dtype=np.float64).reshape(len(names), -1)
    counts = np.asarray(h[()], dtype=np.int64)
    out = {}
    for i, n in enumerate(names):
        row = dict(zip(cols, table[i]))
        out[n] = TimerStats.from_stored(
            [row.get(c, float("nan")) for c in STAT_COLUMNS], counts[i]
        )
    return out


def read_resources(grp: Any) -> Dict[str, Optional[float]]:
    """The stored ``resources`` (CPU, wall, peak RSS) of ``grp``, or {}."""
    if "resources" not in grp:
        return {}
    r = grp["resources"]
    labels = _names(r.attrs.get("coords__label", []))
    values = np.atleast_1d(np.asarray(r[()], dtype=np.float64))
    return {
        k: (float(v) if math.isfinite(v) else None)
        for k, v in zip(labels, values)
    }
