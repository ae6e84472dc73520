"""TimeSeriesWriter: append rows of model output at C speed."""

from __future__ import annotations

import weakref
from typing import Any, List, Mapping, Optional, Sequence

import h5py
import numpy as np

from ..core import _impl
from ._chunksink import ChunkSink, deflate_level, may_use_ring
from ._codecs import codec_kwargs
from ._layout import (
    CHUNK_BYTES,
    RING_CHUNK_BYTES,
    block_chunks,
    create_ts_dataset,
    linked_coords,
)
from ._sink import DatasetSink
from ._sync import OutputSync

__all__ = ["TimeSeriesWriter", "make_writer"]


class TimeSeriesWriter:
    """Appends rows to a time-series dataset through a compiled row buffer.

    Made by a model's ``create_ts_writer``; the dataset is the one
    ``create_ts_dset`` makes. Rows collect in a block of about 1 MiB. With
    gzip compression (the default) a full block's chunks are compressed in
    a background thread and written whole at the next block; otherwise a
    block is written with one resize and one write. Pending rows are
    written at least once a second during the run loop, at the end of the
    run (also after a signal or an exception), and when :meth:`flush` or
    :attr:`dataset` is used.

    Args:
        dataset: The dataset, with the rows along axis 0.
        buffer: The row buffer feeding it.
        sink: The buffer's sink (for the label coordinates at the end).
    """

    def __init__(self, dataset: h5py.Dataset, buffer: Any, sink: Any) -> None:
        self._dataset = dataset
        self._buffer = buffer
        self._sink = sink
        # The buffer's own methods, so an append costs no Python frame; the
        # class methods below only document them. (Shadowing a method on
        # purpose: mypy has no way to type that, hence the ignores.)
        self.append = buffer.append  # type: ignore[method-assign]
        self.extend = buffer.extend  # type: ignore[method-assign]

    def append(self, row: Any) -> None:  # noqa: F811 - see __init__
        """Append one row: a scalar or an array of the row's shape.

        Anything numpy casts to the dtype within its kind is accepted (and
        Python ints that fit an int dtype).

        Raises:
            ValueError: For a row of another shape or an uncastable value;
                nothing is appended.
            IndexError: Past the number of rows the dataset may hold.
        """
        self._buffer.append(row)

    def extend(self, rows: Any) -> None:  # noqa: F811 - see __init__
        """Append many rows at once.

        They are labelled as that many appends would be: on a
        ``StepwiseModel`` with the next planned write times, one each; on a
        ``BaseModel`` all with the current ``n_iterations``.
        """
        self._buffer.extend(rows)

    def flush(self) -> int:
        """Write the pending rows to the dataset; return how many were
        pending in the row buffer."""
        n = self._buffer.flush()
        if isinstance(self._sink, ChunkSink):
            self._sink.drain()
        return n

    def __len__(self) -> int:
        """The number of rows appended (written or pending)."""
        return len(self._buffer)

    @property
    def name(self) -> str:
        """The dataset's path in the file."""
        return self._dataset.name

    @property
    def dataset(self) -> h5py.Dataset:
        """The dataset, with every appended row written (for reading)."""
        self.flush()
        return self._dataset

    def _finish(self) -> None:
        if isinstance(self._sink, ChunkSink):
            self._sink.close()
        if self._sink.labels is not None:
            self._sink.finish_coords("time")

    def __repr__(self) -> str:
        return (
            f"<TimeSeriesWriter '{self.name}': {len(self)} rows of shape "
            f"{self._buffer.row_shape}, dtype {self._buffer.dtype}>"
        )


def make_writer(
    group: h5py.Group,
    name: str,
    *,
    sync: OutputSync,
    max_rows: Optional[int],
    start_and_step: Optional[Sequence[int]],
    label_source: Any,
    label_attr: str = "_n_iterations",
    extra_dims: Sequence[str] = (),
    sizes: Mapping[str, int] = {},
    coords: Mapping[str, Any] = {},
    compression: Any = 2,
    **dset_kwargs: Any,
) -> TimeSeriesWriter:
    """Create the dataset and the writer feeding it.

    With ``start_and_step`` the rows are labelled ``start + k * step``;
    otherwise each row is labelled with ``label_source``'s ``label_attr``
    at its append, stored in a sibling dataset ``<name>_time`` that the rows'
    ``time`` coordinates link to (``start_and_step`` again at the end of
    the run if the labels turn out regular).
    """
    extra_dims = tuple(extra_dims)
    missing = [d for d in extra_dims if sizes.get(d) is None]
    if missing:
        raise ValueError(
            f"create_ts_writer('{name}') needs the size of every extra "
            f"dimension to preallocate rows; missing in sizes: "
            f"{', '.join(missing)}"
        )
    row_shape = tuple(int(sizes[d]) for d in extra_dims)
    dset_kwargs.setdefault("dtype", "f4")
    itemsize = np.dtype(dset_kwargs["dtype"]).itemsize
    if start_and_step is None:
        label_name = f"{name}_time"
        time_coords = linked_coords("time", label_name)
    else:
        time_coords = {
            "coords_mode__time": "start_and_step",
            "coords__time": list(start_and_step),
        }
    chunk_bytes = (
        RING_CHUNK_BYTES
        if may_use_ring(compression, dset_kwargs)
        else CHUNK_BYTES
    )
    made: List[str] = []
    try:
        dset = create_ts_dataset(
            group,
            name,
            max_rows=max_rows,
            time_coords=time_coords,
            extra_dims=extra_dims,
            sizes=sizes,
            coords=coords,
            compression=compression,
            chunks=block_chunks(row_shape, itemsize, max_rows, chunk_bytes),
            **dset_kwargs,
        )
        made.append(dset.name)
        labels = None
        if start_and_step is None:
            labels = group.create_dataset(
                label_name,
                (0,),
                maxshape=(max_rows,),
                chunks=block_chunks((), 8, max_rows),
                dtype="i8",
                **codec_kwargs(compression, f"dataset '{label_name}'"),
            )
            made.append(labels.name)
            labels.attrs["dim_names"] = ["time"]
        level = deflate_level(dset)
        if level is None:
            sink = DatasetSink(dset, labels, flusher=sync.flusher)
        else:
            sink = ChunkSink(dset, labels, flusher=sync.flusher, level=level)
        buffer = _impl.RowBuffer(
            f"time series writer '{dset.name}'",
            row_shape,
            dset.dtype,
            sink,
            max_rows=max_rows,
            label_source=(
                None
                if start_and_step is not None
                else weakref.proxy(label_source)
            ),
            label_attr=label_attr,
        )
    except BaseException:
        for path in made:  # a failed call leaves nothing behind
            if path in group.file:
                del group.file[path]
        raise
    writer = TimeSeriesWriter(dset, buffer, sink)
    sync.add(writer, writer._finish)  # flush: the buffer, then the sink
    return writer
