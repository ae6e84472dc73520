"""Closing a model's output file gives back the disk space reserved ahead
of its writes: a finished (or failed) model leaves no allocated blocks
past the end of its file. Checked on a real tmpfs, whose block counts
show a punched hole (the reserve is inactive where ``fallocate`` is
missing)."""

from __future__ import annotations

import gc
import logging
import os
import sys

import h5py
import pytest
from _models import Counter

from utopya_backend.io import _reserve

MIB = 1024 * 1024


class Quiet(Counter):
    ATTACH_SIGNAL_HANDLERS = False
    USE_SYS_EXIT = False


class FailsInSetup(Quiet):
    def setup(self, **cfg):
        super().setup(**cfg)
        raise RuntimeError("setup broke")


def _waste(path: str) -> int:
    """Bytes allocated beyond the file's size."""
    st = os.stat(path)
    return st.st_blocks * 512 - st.st_size


@pytest.fixture
def disk_cfg(make_cfg, tmpfs):
    if _reserve._FALLOCATE is None:
        pytest.skip("no fallocate: nothing is reserved")
    disk = tmpfs(64)

    def make(**kw):
        path = os.path.join(disk, "out.h5")
        return make_cfg(output_path=path, **kw), path

    return make


def test_a_collected_model_frees_the_space_reserved_for_its_file(disk_cfg):
    cfg, path = disk_cfg(model=dict(stop=3))
    m = Quiet(cfg_file_path=cfg)
    assert _waste(path) >= MIB  # reserved ahead while it runs
    assert m.run() == 0
    assert _waste(path) >= MIB  # still open: HDF5 may write there
    del m
    gc.collect()
    assert _waste(path) < 64 * 1024


def test_a_model_whose_setup_failed_frees_the_reserved_space(disk_cfg):
    cfg, path = disk_cfg()
    with pytest.raises(RuntimeError, match="setup broke"):
        FailsInSetup(cfg_file_path=cfg)
    gc.collect()
    assert _waste(path) < 64 * 1024


class ClosesInEpilog(Quiet):
    """Closes its own file in the epilog (as some models do)."""

    def epilog(self, *, finished_run):
        self._h5file.close()


def test_a_model_that_closed_its_own_file_frees_the_reserved_space(
    disk_cfg,
):
    cfg, path = disk_cfg(model=dict(stop=2))
    m = ClosesInEpilog(cfg_file_path=cfg)
    assert m.run() == 0
    del m
    gc.collect()
    assert _waste(path) < 64 * 1024


class HandsBackAClosedFile(Quiet):
    """Overrides the file's creation and (by mistake) closes it."""

    def _setup_output_file(self):
        f = super()._setup_output_file()
        f.close()
        return f


def test_a_model_given_a_closed_file_fails_and_is_collected_quietly(
    make_cfg, monkeypatch
):
    """The error is raised by ``__init__``; collecting the half-built
    model afterwards raises nothing more (no output exists to finish)."""
    unraisable: list = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(ValueError):  # h5py: not a file
        HandsBackAClosedFile(cfg_file_path=make_cfg())
    gc.collect()
    assert unraisable == []


class ClosesInSetup(Quiet):
    """Appends a row in setup and then closes its own file."""

    def setup(self, **cfg):
        super().setup(**cfg)
        self.w = self.create_ts_writer("w", dtype="f8")
        self.w.append(1.0)
        self._h5file.close()


def test_rows_lost_to_a_file_closed_in_setup_fail_the_run_once(
    make_cfg, caplog
):
    """Construction syncs only an open file, so the loss is reported once:
    by run(), which says where to close the file instead."""
    with caplog.at_level(logging.ERROR):
        m = ClosesInSetup(cfg_file_path=make_cfg(model=dict(stop=2)))
        with pytest.raises(RuntimeError, match="so they are lost") as err:
            m.run()
        del m
        gc.collect()
    assert "close it after run() returns" in str(err.value)
    assert [r for r in caplog.records if "lost" in r.getMessage()] == []


class SideFile(Quiet):
    """Puts its group into a second file it opens itself (the hook takes
    the file to use, as the original's does)."""

    def _setup_output_group(self, h5file=None):
        path = self._root_values["output_path"] + ".side.h5"
        self.side = h5py.File(path, mode="x")
        return super()._setup_output_group(self.side)


def test_the_model_group_goes_into_the_file_given(make_cfg):
    m = SideFile(cfg_file_path=make_cfg())
    try:
        assert m.h5group.file == m.side
        assert m.h5group.name == "/MyModel"
        assert "MyModel" not in m._h5file
        # the side file says which package wrote it, as the main one does
        side_attrs = set(m.side.attrs)
        assert side_attrs and side_attrs == set(m._h5file.attrs)
    finally:
        m.side.close()
