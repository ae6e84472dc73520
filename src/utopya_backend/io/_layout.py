"""HDF5 layout of time series: datasets with a leading ``time`` dimension.

One place decides shapes, chunks and the attributes through which utopya's
data manager labels dimensions and coordinates, for ``create_ts_dset``, the
:class:`~utopya_backend.io.TimeSeriesWriter` and the benchmark rows.
"""

from __future__ import annotations

from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import h5py
import numpy as np

from ._codecs import codec_kwargs

__all__ = [
    "CHUNK_BYTES",
    "RING_CHUNK_BYTES",
    "block_chunks",
    "create_ts_dataset",
    "linked_coords",
    "planned_labels",
    "start_and_step_coords",
]

CHUNK_BYTES = 32 * 1024
"""Target size of a chunk written in blocks: within h5py's advice (10 KiB to
1 MiB), and small enough that compressing a block stays in the CPU caches
(measured: a 4 KiB-row gzip series writes 30 % faster than with 256 KiB)."""

RING_CHUNK_BYTES = 64 * 1024
"""Target size of a chunk that the deflate ring compresses
(``._chunksink``): it deflates 32 KiB pieces with a full flush after each,
as fast per byte as 32 KiB chunks, and the model's thread stores half as
many chunks (each direct chunk write costs 4 us or more). Larger chunks
would halve that again, but each block claims two chunks of disk ahead
(``._chunksink``), which gives up a small disk early."""


def start_and_step_coords(dim: str, start: int, step: int) -> Dict[str, Any]:
    """Attributes labelling ``dim`` as ``start + k * step``."""
    return {
        f"coords_mode__{dim}": "start_and_step",
        f"coords__{dim}": [start, step],
    }


def linked_coords(dim: str, dset_name: str) -> Dict[str, Any]:
    """Attributes labelling ``dim`` with the values of a sibling dataset."""
    return {f"coords_mode__{dim}": "linked", f"coords__{dim}": dset_name}


def planned_labels(
    dset: h5py.Dataset, name: str, times: Iterable[np.ndarray]
) -> Callable[[], None]:
    """Write the planned ``times`` of ``dset``'s rows into a sibling
    dataset ``name`` (which ``dset``'s linked coordinates name); return
    what cuts it to the rows written, for the end of the run.

    For rows at irregular times that ``dset``'s own writes do not label
    (``create_ts_dset``). A run that ends early leaves more labels than
    rows until then.
    """
    group = dset.parent
    parts = list(times)
    values = np.concatenate(parts) if parts else np.empty(0, np.int64)
    try:
        labels = group.create_dataset(
            name, data=values.astype(np.int64), maxshape=(len(values),)
        )
        labels.attrs["dim_names"] = ["time"]
    except BaseException:
        del group[dset.name]
        if name in group:
            del group[name]
        raise

    def cut() -> None:
        if labels.id.valid and dset.id.valid:
            labels.resize(dset.shape[0], axis=0)

    return cut


def block_chunks(
    row_shape: Tuple[int, ...],
    itemsize: int,
    max_rows: Optional[int],
    chunk_bytes: int = CHUNK_BYTES,
) -> Union[Tuple[int, ...], bool]:
    """Chunk shape for rows written a block at a time.

    Whole rows per chunk, as many as fit in ``chunk_bytes`` (at least
    one), never more than the dataset may hold. A dataset that can hold
    nothing (no rows planned, or a dimension of size 0) gets h5py's guess,
    as in ``create_ts_dset``: h5py refuses any explicit chunk shape there.
    """
    if max_rows == 0 or 0 in row_shape:
        return True
    row_nbytes = max(1, int(np.prod(row_shape, dtype=object)) * itemsize)
    rows = max(1, chunk_bytes // row_nbytes)
    if max_rows:
        rows = min(rows, max_rows)
    return (rows,) + tuple(max(1, n) for n in row_shape)


def _check_coords(
    extra_dims: Tuple[str, ...],
    sizes: Mapping[str, int],
    coords: Mapping[str, Any],
) -> None:
    for dim_name, values in coords.items():
        if dim_name not in extra_dims:
            raise ValueError(
                f"Coordinates given for dimension '{dim_name}', which "
                "was not part of the list of provided `extra_dims`: "
                f"{', '.join(extra_dims) or '()'}"
            )
        size = sizes.get(dim_name)
        if not isinstance(values, Mapping) and size is not None:
            if len(values) != size:
                raise ValueError(
                    f"The number of coordinates ({len(values)}) for "
                    f"dimension '{dim_name}' does not match its size "
                    f"({size})"
                )


def create_ts_dataset(
    group: h5py.Group,
    name: str,
    *,
    max_rows: Optional[int],
    time_coords: Mapping[str, Any],
    extra_dims: Sequence[str] = (),
    sizes: Mapping[str, int] = {},
    coords: Mapping[str, Any] = {},
    compression: Any = 2,
    chunks: Any = True,
    **dset_kwargs: Any,
) -> h5py.Dataset:
    """Create an empty dataset with a leading ``time`` dimension.

    Args:
        group: Where to create it.
        name: Its name.
        max_rows: Most rows it may grow to; None for unlimited.
        time_coords: Attributes labelling the ``time`` dimension.
        extra_dims: Names of dimensions after ``time``.
        sizes: Sizes of the extra dimensions; a missing one is unlimited.
        coords: Per extra dimension either a mode dict (``{mode: ...,
            coords: ...}``, ``coords`` optional) or explicit values.
        compression: Passed to h5py, or a codec name of
            :data:`~._codecs.CODECS` (``"lz4"``, ``"zstd"``).
        chunks: Chunk shape, or True for h5py's guess.
        **dset_kwargs: Passed to ``h5py.Group.create_dataset``; ``dtype``
            defaults to ``f4`` (h5py's historical default, made explicit).

    Raises:
        ValueError: For coords of an unknown dimension, explicit
            coordinates whose length differs from the dimension's size, or
            an unknown compression name.
        ImportError: For a codec name without ``hdf5plugin``.
    """
    extra_dims = tuple(extra_dims)
    extra_sizes = tuple(sizes.get(d) for d in extra_dims)
    _check_coords(extra_dims, sizes, coords)
    dset_kwargs.setdefault("dtype", "f4")
    dset_kwargs.setdefault("chunks", chunks)
    dset = group.create_dataset(
        name,
        (0,) + tuple(s or 0 for s in extra_sizes),
        maxshape=(max_rows,) + extra_sizes,
        **codec_kwargs(compression, f"dataset '{name}'", dset_kwargs),
        **dset_kwargs,
    )
    try:
        _label(dset, ["time", *extra_dims], time_coords, coords)
    except BaseException:
        del group[name]  # a failed call leaves nothing behind
        raise
    return dset


def _label(
    dset: h5py.Dataset,
    dim_names: list,
    time_coords: Mapping[str, Any],
    coords: Mapping[str, Any],
) -> None:
    dset.attrs["dim_names"] = dim_names
    for key, value in time_coords.items():
        dset.attrs[key] = value
    for dim_name, values in coords.items():
        if isinstance(values, Mapping):
            dset.attrs[f"coords_mode__{dim_name}"] = values["mode"]
            if "coords" in values:
                dset.attrs[f"coords__{dim_name}"] = values["coords"]
        else:
            dset.attrs[f"coords_mode__{dim_name}"] = "values"
            dset.attrs[f"coords__{dim_name}"] = values
