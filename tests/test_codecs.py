"""Opt-in fast codecs (io._codecs): ``compression="lz4"`` / ``"zstd"``
store the same rows as gzip through Blosc with byte shuffle, a reader
with ``import hdf5plugin`` reads them, and a wrong name or a missing
hdf5plugin is a clear error that leaves nothing in the file."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from _models import output_path

from utopya_backend import BaseModel, StepwiseModel
from utopya_backend.io._codecs import CODECS, codec_kwargs

hdf5plugin = pytest.importorskip("hdf5plugin")

ROW = (8, 8)
BLOSC = 32001  # Blosc's registered HDF5 filter id
SHUFFLE = 1  # Blosc's byte shuffle


class Stepwise(StepwiseModel):
    """The same rows through the writer and create_ts_dset, with a codec,
    and through the writer with gzip (the default)."""

    def setup(self, *, codec, **_):
        kw = dict(extra_dims=("x", "y"), sizes=dict(x=8, y=8), dtype="i2")
        self.fast = self.create_ts_writer("fast", compression=codec, **kw)
        self.dset = self.create_ts_dset("dset", compression=codec, **kw)
        self.gzip = self.create_ts_writer("gzip", **kw)
        self.state = np.zeros(ROW, "i2")

    def perform_step(self):
        self.state += self.rng.integers(-3, 4, size=ROW).astype("i2")

    def write_data(self):
        self.fast.append(self.state)
        self.gzip.append(self.state)
        n = self.dset.shape[0]
        self.dset.resize(n + 1, axis=0)
        self.dset[n] = self.state


class Irregular(BaseModel):
    """A BaseModel writing at irregular iterations: its row labels go to
    ``<name>_time``, which gets the same codec."""

    def setup(self, *, codec, **_):
        self.writer = self.create_ts_writer(
            "w", extra_dims=("x",), sizes=dict(x=3), compression=codec
        )

    def should_iterate(self):
        return self.n_iterations < 50

    def iterate(self):
        pass

    def should_write(self):
        return self.n_iterations % 7 in (0, 1)

    def write_data(self):
        self.writer.append([self.n_iterations] * 3)


def _blosc_cname(dset: h5py.Dataset) -> str:
    """The Blosc compressor the dataset's only filter uses."""
    plist = dset.id.get_create_plist()
    assert plist.get_nfilters() == 1
    code, _, opts, _ = plist.get_filter(0)
    assert code == BLOSC
    assert opts[5] == SHUFFLE
    return {1: "lz4", 5: "zstd"}[opts[6]]


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_stepwise_rows_equal_gzip_and_use_the_codec(use_impl, make_cfg, codec):
    cfg = make_cfg(model=dict(codec=codec), num_steps=3000)
    m = Stepwise(cfg_file_path=cfg)
    m.run()
    del m
    gc.collect()
    with h5py.File(output_path(cfg), "r") as f:
        g = f["MyModel"]
        assert g["fast"].shape == (3001,) + ROW
        np.testing.assert_array_equal(g["fast"][()], g["gzip"][()])
        np.testing.assert_array_equal(g["dset"][()], g["gzip"][()])
        for name in ("fast", "dset"):
            assert _blosc_cname(g[name]) == codec
            assert g[name].dtype == np.int16
        assert g["gzip"].compression == "gzip"
        assert dict(g["fast"].attrs).keys() == dict(g["gzip"].attrs).keys()


@pytest.mark.parametrize("codec", ["lz4", "ZSTD"])
def test_base_model_labels_get_the_codec(use_impl, make_cfg, codec):
    cfg = make_cfg(model=dict(codec=codec))
    Irregular(cfg_file_path=cfg).run()
    gc.collect()
    expected = [i for i in range(1, 51) if i % 7 in (0, 1)]
    with h5py.File(output_path(cfg), "r") as f:
        w, t = f["MyModel/w"], f["MyModel/w_time"]
        np.testing.assert_array_equal(t[()], expected)
        np.testing.assert_array_equal(w[:, 0], expected)
        assert _blosc_cname(w) == _blosc_cname(t) == codec.lower()


def test_a_reader_with_hdf5plugin_reads_the_file(make_cfg):
    """What the docs tell readers: import hdf5plugin, then open as usual
    (in a fresh process, where nothing registered the filter before)."""
    cfg = make_cfg(model=dict(codec="zstd"), num_steps=100)
    Stepwise(cfg_file_path=cfg).run()
    gc.collect()
    path = output_path(cfg)
    code = (
        "import sys, h5py\n"
        "if sys.argv[2] == 'yes':\n"
        "    import hdf5plugin\n"
        "with h5py.File(sys.argv[1], 'r') as f:\n"
        "    d = f['MyModel/fast']\n"
        "    print(int(d[()].astype('i8').sum()), d.shape[0])\n"
    )
    with h5py.File(path, "r") as f:
        want = f"{int(f['MyModel/gzip'][()].astype('i8').sum())} 101"
    env = dict(os.environ, HDF5_PLUGIN_PATH="/nonexistent")
    ok = subprocess.run(
        [sys.executable, "-c", code, path, "yes"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == want
    bare = subprocess.run(
        [sys.executable, "-c", code, path, "no"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bare.returncode != 0  # why the docs say "import hdf5plugin"


def test_an_unknown_name_is_refused_naming_dataset_and_value(
    use_impl, make_cfg
):
    cfg = make_cfg(model=dict(codec="lz5"), num_steps=3)
    with pytest.raises(ValueError) as info:
        Stepwise(cfg_file_path=cfg)
    msg = str(info.value)
    assert "dataset 'fast'" in msg and "compression='lz5'" in msg
    for name in ("'gzip'", "'lz4'", "'zstd'"):
        assert name in msg
    with h5py.File(output_path(cfg), "r") as f:
        assert list(f["MyModel"]) == []


def test_a_codec_name_with_options_is_refused():
    with pytest.raises(ValueError, match="compression='lz4' sets its own"):
        codec_kwargs("lz4", "dataset 'x'", dict(compression_opts=3))
    # h5py's own names keep their options
    assert codec_kwargs("gzip", "x", dict(compression_opts=3)) == dict(
        compression="gzip"
    )


@pytest.mark.parametrize("value", [2, None, "gzip", "lzf", 0])
def test_other_values_go_to_h5py_unchanged(value):
    assert codec_kwargs(value, "x") == dict(compression=value)


def test_a_filter_object_goes_to_h5py_unchanged(tmp_path):
    blosc = hdf5plugin.Blosc(cname="zstd", clevel=9)
    kw = codec_kwargs(blosc, "x")
    assert kw == dict(compression=blosc)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        d = f.create_dataset("d", data=np.arange(100), chunks=True, **kw)
        assert d.id.get_create_plist().get_filter(0)[2][4] == 9


def test_the_codecs_are_blosc_with_byte_shuffle():
    for name, settings in CODECS.items():
        kw = codec_kwargs(name, "x")
        assert kw["compression"] == BLOSC
        opts = kw["compression_opts"]
        assert opts[4:6] == (settings["clevel"], SHUFFLE)


def test_without_hdf5plugin_the_error_names_the_extra(
    use_impl, make_cfg, monkeypatch
):
    monkeypatch.setitem(sys.modules, "hdf5plugin", None)  # import fails
    cfg = make_cfg(model=dict(codec="lz4"), num_steps=3)
    with pytest.raises(ImportError) as info:
        Stepwise(cfg_file_path=cfg)
    msg = str(info.value)
    assert "dataset 'fast'" in msg and "compression='lz4'" in msg
    assert "pip install 'utopya-backend[codecs]'" in msg
    with h5py.File(output_path(cfg), "r") as f:
        assert list(f["MyModel"]) == []
