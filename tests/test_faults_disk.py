"""A full disk never crashes a run (a real small tmpfs, a real subprocess):
the run ends with one "Disk full" line naming the file, and the file opens
with every row written before. Both the ``create_ts_dset`` idiom (resize,
then assign through h5py) and the writer; the disk filled by the run itself,
just before one of its writes, or by another process."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import yaml

SCRIPT = """
import errno, os, sys, time
import h5py
import numpy as np
from utopya_backend import StepwiseModel

FILL = {{"at": None}}


def fill_disk(path):
    # Another process, in effect: take every free block of the disk.
    with open(os.path.join(path, "filler"), "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc


_resize = h5py.Dataset.resize


def resize(self, size, axis=None):
    # The disk fills after every check, right before HDF5 writes.
    if FILL["at"] is not None:
        FILL["at"] = None
        fill_disk({disk!r})
    return _resize(self, size, axis)


h5py.Dataset.resize = resize


class Model(StepwiseModel):
    def setup(self, *, mode, width, sleep=0.0, fill_at=-1, **_):
        self.mode, self.width, self.sleep = mode, width, sleep
        self.fill_at = fill_at
        kw = dict(extra_dims=("i",), sizes=dict(i=width), dtype="f8",
                  compression=0)
        if mode == "idiom":
            self.d = self.create_ts_dset("x", **kw)
        else:
            self.d = self.create_ts_writer("x", **kw)

    def perform_step(self):
        if self.time == self.fill_at - 1:
            time.sleep(1.2)  # the once-a-second flush comes after this
        elif self.sleep:
            time.sleep(self.sleep)

    def write_data(self):
        if self.time == self.fill_at:
            FILL["at"] = self.time
        # Row k holds k everywhere: a row never written stands out.
        row = np.full(self.width, float(self.time))
        if self.mode == "idiom":
            n = self.d.shape[0]
            self.d.resize(n + 1, axis=0)
            self.d[n] = row
        else:
            self.d.append(row)

    def epilog(self, *, finished_run):
        open({marker!r}, "w").close()


Model(cfg_file_path=sys.argv[1]).run()
"""

MODES = ["idiom", "writer"]


def _start(tmp_path, impl, disk, **model):
    out = os.path.join(disk, "out.h5")
    cfg = dict(
        root_model_name="M",
        output_path=out,
        seed=1,
        monitor_emit_interval=0.05,
        log_levels=dict(model="info", backend="info"),
        num_steps=10**7,
        M=model,
    )
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(cfg))
    marker = tmp_path / "epilog.txt"
    script = SCRIPT.format(disk=disk, marker=str(marker))
    (tmp_path / "run.py").write_text(script)
    env = dict(os.environ)
    env.pop("UTOPYA_BACKEND_NO_EXTENSIONS", None)
    if impl.is_pure_python:
        env["UTOPYA_BACKEND_NO_EXTENSIONS"] = "1"
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cfg.yml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return proc, out, marker


def _fails_with_disk_full(proc, out, marker):
    """The run ends with one "Disk full" line naming the file."""
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr  # never a signal (139: SIGSEGV)
    assert "Segmentation fault" not in stderr
    # The exception that ended the run, its traceback's last line.
    (error,) = [x for x in stderr.splitlines() if x.startswith("OSError")]
    assert error.startswith("OSError: [Errno 28] Disk full: no room left")
    assert out in error
    assert not marker.exists()  # the run did not finish


def _rows(out):
    """The rows of a file h5py opens; each one stored is a real one."""
    with h5py.File(out, "r") as f:
        assert "utopya_backend.version" in f.attrs  # provenance
        x = f["M/x"]
        assert x.attrs["dim_names"][0] == "time"
        rows = x[()]
    expected = np.arange(len(rows))[:, None] * np.ones(rows.shape[1:])
    np.testing.assert_array_equal(rows, expected)
    return len(rows)


@pytest.mark.parametrize("mode", MODES)
def test_the_run_filling_the_disk_ends_with_disk_full(
    tmp_path, impl, tmpfs, mode
):
    # 8 KiB rows on a 2 MiB disk.
    proc, out, marker = _start(tmp_path, impl, tmpfs(2), mode=mode, width=1024)
    _fails_with_disk_full(proc, out, marker)
    # The disk is used, not given up early: half of it at least.
    assert 128 <= _rows(out) < 256


@pytest.mark.parametrize("mode", MODES)
def test_a_disk_filled_right_before_a_write_ends_with_disk_full(
    tmp_path, impl, tmpfs, mode
):
    # The disk fills between the free-space check and the write (at row
    # 300); the rows up to the last flush (before row 300) are kept.
    proc, out, marker = _start(
        tmp_path, impl, tmpfs(4), mode=mode, width=16, fill_at=300
    )
    _fails_with_disk_full(proc, out, marker)
    assert _rows(out) >= 300


@pytest.mark.parametrize("mode", MODES)
def test_another_process_filling_the_disk_ends_the_run(
    tmp_path, impl, tmpfs, mode
):
    disk = tmpfs(8)
    proc, out, marker = _start(
        tmp_path, impl, disk, mode=mode, width=16, sleep=0.0005
    )
    while True:  # until the run is well under way
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("!!map") and yaml.safe_load(line)["n_iter"] > 200:
            seen = yaml.safe_load(line)["n_iter"]
            break
    time.sleep(1.5)  # a flush comes after row `seen`
    with open(os.path.join(disk, "filler"), "wb", buffering=0) as f:
        with pytest.raises(OSError) as err:
            while True:
                f.write(b"x" * 4096)
    assert err.value.errno == errno.ENOSPC
    _fails_with_disk_full(proc, out, marker)
    assert _rows(out) > seen
