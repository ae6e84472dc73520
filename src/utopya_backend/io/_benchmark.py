"""The benchmark group in the file: its layout and the record written to it.

Inside the group: ``cumulative`` (one row of cumulative timer values per
data write, labelled ``n_iterations`` x ``label``) with its
``cumulative_n_iterations``, ``total`` (every timer's final value) and the
per-invocation statistics (``_stats_hdf5``).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

import h5py
import numpy as np

from ..bench import _stats_hdf5
from ..core import _impl
from ._layout import block_chunks, linked_coords
from ._sink import DatasetSink
from ._sync import FileFlusher, OutputSync

__all__ = [
    "N_ITER_DSET",
    "BenchmarkRecord",
    "create_cumulative",
    "write_total",
]

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


class BenchmarkRecord:
    """What one run writes to its benchmark group: a row of the cumulative
    timers per data write while it runs, totals and statistics at its end.

    Args:
        grp: The (new, empty) benchmark group.
        dtype, compression: Float type and gzip level of the datasets.
        output: The model file's output sync, which writes pending rows
            at least once a second and at the end.
        block_rows: Rows kept in memory between block writes (None: as
            many as fit in the row buffer's default block).
    """

    def __init__(
        self,
        grp: h5py.Group,
        *,
        dtype: Any,
        compression: int,
        output: OutputSync,
        block_rows: Optional[int] = None,
    ) -> None:
        self.grp = grp
        self.dtype = dtype
        self.compression = compression
        self.output = output
        self.block_rows = block_rows
        self.rows: Any = None
        self._sink: Optional[DatasetSink] = None
        # Named now: a closed file's group has no name any more.
        self._where = f"group '{grp.name}' in file {grp.file.filename}"

    def open_rows(self, names: List[str]) -> Any:
        """Create ``cumulative`` with one column per name; return the row
        buffer (a ``RowBuffer``) its rows go through. Called once."""
        if self.rows is not None:
            raise RuntimeError(f"The rows of {self.grp.name} are open already")
        self._sink = create_cumulative(
            self.grp,
            names,
            dtype=self.dtype,
            compression=self.compression,
            flusher=self.output.flusher,
        )
        self.rows = _impl.RowBuffer(
            f"benchmark rows '{self._sink.dset.name}'",
            (len(names),),
            np.float64,
            self._sink,
            block_rows=self.block_rows,
            labelled=True,
        )
        self.output.add(self.rows)
        return self.rows

    def close(
        self,
        timers: Iterable[Any],
        stats: Dict[str, Any],
        resources: Dict[str, float],
    ) -> None:
        """Write pending rows (or an empty ``cumulative`` if no data write
        came), ``total`` and the statistics."""
        timers = list(timers)
        if not self.grp.id.valid:
            if self.rows is not None:
                self.rows.flush()  # rows still pending: the sink says so
            raise RuntimeError(
                f"Cannot write the benchmark totals to {self._where}: the "
                "file was closed before they were written (close it after "
                "run() returns, not in the model), so they are lost"
            )
        if self.rows is None:
            self.open_rows([t.name for t in timers if not t.one_shot])
        self.rows.flush()
        assert self._sink is not None, "open_rows made it"
        self._sink.finish_coords("n_iterations")
        write_total(
            self.grp, timers, dtype=self.dtype, compression=self.compression
        )
        _stats_hdf5.write_stats(self.grp, stats, resources, self.compression)
