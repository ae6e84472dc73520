"""HDF5 layout of time series (io._layout): shapes, chunks and the
attributes through which utopya labels dimensions."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

from utopya_backend.io._layout import (
    CHUNK_BYTES,
    block_chunks,
    create_ts_dataset,
    linked_coords,
    start_and_step_coords,
)


@pytest.fixture
def h5(tmp_path):
    with h5py.File(tmp_path / "out.h5", "w") as f:
        yield f


def test_coordinate_attributes():
    assert start_and_step_coords("time", 3, 2) == {
        "coords_mode__time": "start_and_step",
        "coords__time": [3, 2],
    }
    assert linked_coords("time", "../t") == {
        "coords_mode__time": "linked",
        "coords__time": "../t",
    }


@pytest.mark.parametrize(
    "row_shape, itemsize, max_rows, chunks",
    [
        ((), 8, None, (4096,)),
        ((), 8, 10, (10,)),
        # a dataset that holds nothing: h5py's guess, as create_ts_dset's
        # (h5py refuses any explicit chunk shape for it)
        ((), 8, 0, True),
        ((), 8, 5000, (4096,)),
        ((3,), 1, None, (10922, 3)),
        ((4096,), 8, None, (1, 4096)),
        ((8192,), 8, None, (1, 8192)),  # a row over the target: one row
        ((0,), 8, None, True),
        ((2, 0), 4, 7, True),
        # 2**64 bytes a row: still one row (the size must not wrap to 0)
        ((2**32, 2**32), 1, None, (1, 2**32, 2**32)),
    ],
)
def test_block_chunks(row_shape, itemsize, max_rows, chunks):
    assert CHUNK_BYTES == 32 * 1024
    assert block_chunks(row_shape, itemsize, max_rows) == chunks


def test_create_ts_dataset_layout(h5):
    d = create_ts_dataset(
        h5,
        "x",
        max_rows=10,
        time_coords=linked_coords("time", "t"),
        extra_dims=("a", "b", "c"),
        sizes={"a": 2, "b": 3},
        coords={
            "a": [10, 20],
            "b": {"mode": "range", "coords": [0, 3, 1]},
            "c": {"mode": "trivial"},
        },
    )
    assert d.shape == (0, 2, 3, 0) and d.maxshape == (10, 2, 3, None)
    assert d.dtype == np.dtype("f4") and d.compression == "gzip"
    assert d.compression_opts == 2 and d.chunks is not None
    assert list(d.attrs["dim_names"]) == ["time", "a", "b", "c"]
    assert d.attrs["coords_mode__time"] == "linked"
    assert d.attrs["coords__time"] == "t"
    assert d.attrs["coords_mode__a"] == "values"
    assert list(d.attrs["coords__a"]) == [10, 20]
    assert d.attrs["coords_mode__b"] == "range"
    assert list(d.attrs["coords__b"]) == [0, 3, 1]
    assert d.attrs["coords_mode__c"] == "trivial"
    assert "coords__c" not in d.attrs


def test_default_dtype_is_float32_without_a_deprecation_warning(h5):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # h5py warns if no dtype is given
        d = create_ts_dataset(h5, "x", max_rows=None, time_coords={})
    assert d.dtype == np.dtype("f4")


def test_create_ts_dataset_options(h5):
    d = create_ts_dataset(
        h5,
        "y",
        max_rows=None,
        time_coords={},
        compression=None,
        chunks=(5,),
        dtype="i2",
    )
    assert d.shape == (0,) and d.maxshape == (None,)
    assert d.dtype == np.dtype("i2") and d.compression is None
    assert d.chunks == (5,) and list(d.attrs["dim_names"]) == ["time"]


def test_unknown_dimension_is_refused(h5):
    with pytest.raises(ValueError) as err:
        create_ts_dataset(
            h5, "x", max_rows=None, time_coords={}, extra_dims=("a", "b"),
            coords={"z": [1]},
        )  # fmt: skip
    assert str(err.value) == (
        "Coordinates given for dimension 'z', which was not part of the "
        "list of provided `extra_dims`: a, b"
    )
    with pytest.raises(ValueError) as err:
        create_ts_dataset(
            h5, "x", max_rows=None, time_coords={}, coords={"z": [1]}
        )
    assert str(err.value).endswith("`extra_dims`: ()")
    assert "x" not in h5


def test_coordinate_count_must_match_the_size(h5):
    with pytest.raises(ValueError) as err:
        create_ts_dataset(
            h5, "x", max_rows=None, time_coords={}, extra_dims=("a",),
            sizes={"a": 3}, coords={"a": [1, 2]},
        )  # fmt: skip
    assert str(err.value) == (
        "The number of coordinates (2) for dimension 'a' does not match "
        "its size (3)"
    )
    # unlimited size, or a mode dict: any number of coordinates
    create_ts_dataset(
        h5, "y", max_rows=None, time_coords={}, extra_dims=("a",),
        coords={"a": [1, 2]},
    )  # fmt: skip
    create_ts_dataset(
        h5, "z", max_rows=None, time_coords={}, extra_dims=("a",),
        sizes={"a": 3}, coords={"a": {"mode": "range", "coords": [0, 1]}},
    )  # fmt: skip
