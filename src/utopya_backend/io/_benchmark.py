"""HDF5 layout of the benchmark data: ``cumulative`` rows and ``total``.

Inside the benchmark group: ``cumulative`` (one row of cumulative timer
values per data write, labelled ``n_iterations`` x ``label``) with its
``cumulative_n_iterations``, and ``total`` (every timer's final value).
"""

from __future__ import annotations

from typing import Any, Iterable, List

import h5py
import numpy as np

from ._layout import block_chunks, linked_coords
from ._sink import DatasetSink
from ._sync import FileFlusher

__all__ = ["N_ITER_DSET", "create_cumulative", "write_total"]

N_ITER_DSET = "cumulative_n_iterations"
"""The dataset of each ``cumulative`` row's iteration count."""


def create_cumulative(
    grp: h5py.Group,
    names: List[str],
    *,
    dtype: Any,
    compression: int,
    flusher: FileFlusher,
) -> DatasetSink:
    """Create ``cumulative`` with columns ``names``; return its sink."""
    kw = dict(compression=compression, shuffle=True)
    n_cols = len(names)
    dt = np.dtype(dtype)
    rows = grp.create_dataset(
        "cumulative",
        (0, n_cols),
        maxshape=(None, n_cols),
        chunks=block_chunks((n_cols,), dt.itemsize, None),
        dtype=dt,
        **kw,
    )
    n_iter = grp.create_dataset(
        N_ITER_DSET,
        (0,),
        maxshape=(None,),
        chunks=block_chunks((), 8, None),
        dtype=np.int64,
        **kw,
    )
    rows.attrs["dim_names"] = ["n_iterations", "label"]
    rows.attrs["coords_mode__label"] = "values"
    rows.attrs["coords__label"] = names
    # Valid from the first row on, so a killed run still loads; a regular
    # write pattern becomes start_and_step at the end (the sink decides).
    for key, value in linked_coords("n_iterations", N_ITER_DSET).items():
        rows.attrs[key] = value
    n_iter.attrs["dim_names"] = ["n_iterations"]
    return DatasetSink(rows, n_iter, flusher=flusher)


def write_total(
    grp: h5py.Group, timers: Iterable[Any], *, dtype: Any, compression: int
) -> h5py.Dataset:
    """Write ``total``: every timer's elapsed seconds, labelled by name,
    with the invocation counts as an attribute (for means in reports)."""
    timers = list(timers)
    ds = grp.create_dataset(
        "total",
        data=np.array([t.elapsed for t in timers], dtype=dtype),
        compression=compression,
    )
    ds.attrs["dim_names"] = ["label"]
    ds.attrs["coords_mode__label"] = "values"
    ds.attrs["coords__label"] = [t.name for t in timers]
    ds.attrs["invocations"] = [t.invocations for t in timers]
    return ds
