"""Model output through real faults, in real subprocesses: signals, an
exception, SIGKILL and a full disk (a small tmpfs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPT = """
import sys
import numpy as np
sys.path.insert(0, {here!r})
from utopya_backend import ModelBenchmarkMixin, StepwiseModel

class Model(ModelBenchmarkMixin, StepwiseModel):
    def setup(self, *, width=1, fail_at=-1, **_):
        self.width = width
        self.fail_at = fail_at
        self.w = self.create_ts_writer(
            "w", extra_dims=("i",), sizes=dict(i=width), dtype="f8",
            compression=0,
        )

    def perform_step(self):
        if self.time == self.fail_at:
            raise RuntimeError("step failed")

    def write_data(self):
        # Row k holds k everywhere, so a row that was never written (zeros
        # after the first) stands out.
        self.w.append(np.full(self.width, float(self.time)))

    def epilog(self, *, finished_run):
        with open({marker!r}, "w") as f:
            f.write(f"{{finished_run}} {{self.time}} {{len(self.w)}}")

Model(cfg_file_path=sys.argv[1]).run()
"""


def _prepare(tmp_path, out_dir, *, num_steps, model=None, interval=0.05):
    out = os.path.join(out_dir, "out.h5")
    cfg = dict(
        root_model_name="M",
        output_path=out,
        seed=1,
        monitor_emit_interval=interval,
        log_levels=dict(model="info", backend="info"),
        num_steps=num_steps,
        M=dict(model or {}),
    )
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(cfg))
    marker = tmp_path / "epilog.txt"
    (tmp_path / "run.py").write_text(
        SCRIPT.format(here=HERE, marker=str(marker))
    )
    return out, marker


def _popen(tmp_path):
    return subprocess.Popen(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cfg.yml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _last_n_iter(proc, until):
    """Read monitor lines until ``until(n_iter)``; return that n_iter."""
    while True:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("!!map"):
            n = yaml.safe_load(line)["n_iter"]
            if until(n):
                return n


def _rows(out):
    with h5py.File(out, "r") as f:
        w = f["M/w"][()]
    # Row k was written at time k: every stored row is a real one.
    np.testing.assert_array_equal(w[:, 0], np.arange(len(w)))
    return len(w)


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1], ids=str
)
def test_signal_keeps_every_appended_row(tmp_path, sig):
    out, marker = _prepare(tmp_path, str(tmp_path), num_steps=10**9)
    proc = _popen(tmp_path)
    _last_n_iter(proc, lambda n: n > 1000)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    finished, steps, appended = marker.read_text().split()
    assert finished == "False"
    assert _rows(out) == int(appended) == int(steps) + 1


def test_exception_keeps_every_appended_row(tmp_path):
    out, marker = _prepare(
        tmp_path, str(tmp_path), num_steps=10**6, model=dict(fail_at=54321)
    )
    proc = _popen(tmp_path)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "step failed" in stderr
    assert _rows(out) == 54321 + 1


def test_sigkill_loses_at_most_the_last_second(tmp_path):
    out, _ = _prepare(tmp_path, str(tmp_path), num_steps=10**10)
    proc = _popen(tmp_path)
    seen = _last_n_iter(proc, lambda n: n > 0)
    time.sleep(2.5)  # pending rows reach the file at least once a second
    proc.kill()
    proc.communicate(timeout=60)
    assert _rows(out) >= seen + 1


@pytest.fixture
def small_disk(tmpfs):
    """A real 2 MiB file system (tmpfs); needs the right to mount."""
    return tmpfs(2)


def test_full_disk_fails_the_run_and_keeps_a_valid_file(tmp_path, small_disk):
    # 8 KiB per row, uncompressed: the disk fills after some 200 rows.
    out, marker = _prepare(
        tmp_path, small_disk, num_steps=10**6, model=dict(width=1024)
    )
    proc = _popen(tmp_path)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr  # a failure, never a signal
    (error,) = [
        x for x in stderr.splitlines() if x.startswith("OSError: [Errno 28]")
    ]  # the exception that ended the run
    assert error.startswith("OSError: [Errno 28] Disk full") and out in error
    assert "Segmentation fault" not in stderr
    assert not marker.exists()  # the run did not finish
    n = _rows(out)  # readable, and every row claimed is a real one
    assert 0 < n < 300
    with h5py.File(out, "r") as f:
        cum = f["M/benchmark/cumulative"]
        assert cum.shape[0] == f["M/benchmark/cumulative_n_iterations"].size


EARLY_KILL_SCRIPT = """
import sys, time
import numpy as np
from utopya_backend import ModelBenchmarkMixin, StepwiseModel

class Model(ModelBenchmarkMixin, StepwiseModel):
    def setup(self, **_):
        self.w = self.create_ts_writer("w", dtype="f8")
        self.d = self.create_ts_dset("d")

    def perform_step(self):
        pass

    def write_data(self):
        self.w.append(self.time + 0.5)
        n = self.d.shape[0]
        self.d.resize(n + 1, axis=0)
        self.d[n] = self.time + 0.25

    def {hook}(self, *a, **k):
        open({marker!r}, "w").close()
        time.sleep(60)  # killed here

Model(cfg_file_path=sys.argv[1]).run()
"""


@pytest.mark.parametrize("hook", ["setup_finished", "prolog"])
def test_sigkill_right_after_setup_leaves_a_valid_file(tmp_path, impl, hook):
    # `_setup_finished` runs right after setup(), before the initial write.
    out, _ = _prepare(tmp_path, str(tmp_path), num_steps=10**10)
    marker = tmp_path / "setup-done"
    name = "_setup_finished" if hook == "setup_finished" else hook
    (tmp_path / "run.py").write_text(
        EARLY_KILL_SCRIPT.format(hook=name, marker=str(marker))
    )
    env = dict(os.environ, UTOPYA_BACKEND_NO_EXTENSIONS="1")
    if not impl.is_pure_python:
        env.pop("UTOPYA_BACKEND_NO_EXTENSIONS")
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cfg.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.kill()
    proc.communicate(timeout=60)
    with h5py.File(out, "r") as f:
        assert f.attrs["utopya_backend.distribution"] == "utopya-backend"
        w, d = f["M/w"], f["M/d"]
        for dset in (w, d):
            assert list(dset.attrs["dim_names"]) == ["time"]
            assert dset.attrs["coords_mode__time"] == "start_and_step"
        if hook == "prolog":  # the initial write is in the file
            assert w[()].tolist() == [0.5] and d[()].tolist() == [0.25]
            assert f["M/benchmark/cumulative"].shape[0] == 1
        else:
            assert w.shape == d.shape == (0,)
