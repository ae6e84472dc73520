"""Grid rows compressed in the background through real faults, in real
subprocesses: a full disk (a small tmpfs), a handled signal, an exception
and SIGKILL. Every row the file holds is the one appended, in order."""

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

SCRIPT = """
import sys, time
import numpy as np
from utopya_backend import StepwiseModel

# Row k is ROWS[k % 64]: random bytes, which deflate cannot shrink.
ROWS = [np.random.default_rng(k).integers(0, 256, (64, 64), dtype=np.uint8)
        for k in range(64)]


class Model(StepwiseModel):
    def setup(self, *, busy_us=0, fail_at=-1, **_):
        self.busy_ns = busy_us * 1000
        self.fail_at = fail_at
        self.g = self.create_ts_writer(
            "g", extra_dims=("x", "y"), sizes=dict(x=64, y=64), dtype="u1"
        )

    def perform_step(self):
        if self.time == self.fail_at:
            raise RuntimeError("step failed")
        end = time.perf_counter_ns() + self.busy_ns
        while time.perf_counter_ns() < end:
            pass

    def write_data(self):
        self.g.append(ROWS[self.time % 64])

    def epilog(self, *, finished_run):
        with open({marker!r}, "w") as f:
            f.write(f"{{finished_run}} {{self.time}} {{len(self.g)}}")


Model(cfg_file_path=sys.argv[1]).run()
"""


def _start(tmp_path, impl, out_dir, **model):
    out = os.path.join(out_dir, "out.h5")
    cfg = dict(
        root_model_name="M",
        output_path=out,
        seed=1,
        monitor_emit_interval=0.05,
        log_levels=dict(model="info", backend="info"),
        num_steps=model.pop("num_steps", 10**9),
        M=model,
    )
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(cfg))
    marker = tmp_path / "epilog.txt"
    (tmp_path / "run.py").write_text(SCRIPT.format(marker=str(marker)))
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


def _rows(out) -> int:
    """The number of rows stored; each one is the row appended there."""
    rows = [
        np.random.default_rng(k).integers(0, 256, (64, 64), dtype=np.uint8)
        for k in range(64)
    ]
    with h5py.File(out, "r") as f:
        g = f["M/g"]
        assert (g.compression, g.compression_opts) == ("gzip", 2)
        stored = g[()]
    for k, row in enumerate(stored):
        np.testing.assert_array_equal(row, rows[k % 64], err_msg=f"row {k}")
    return len(stored)


def _wait_for(proc, n_iter):
    """Read monitor lines until the run passed ``n_iter``; return it."""
    while True:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("!!map"):
            seen = yaml.safe_load(line)["n_iter"]
            if seen > n_iter:
                return seen


def test_a_full_disk_reaches_the_model_naming_the_file(tmp_path, impl, tmpfs):
    # 4 KiB rows that do not compress, on a 4 MiB disk.
    proc, out, marker = _start(tmp_path, impl, tmpfs(4))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr  # never a signal (139: SIGSEGV)
    (error,) = [x for x in stderr.splitlines() if x.startswith("OSError")]
    assert error.startswith("OSError: [Errno 28] Disk full")
    assert out in error
    assert not marker.exists()  # the run did not finish
    # The disk is used, not given up early: a quarter of it at least.
    assert 256 <= _rows(out) < 1024


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=str)
def test_a_signal_keeps_every_appended_row(tmp_path, impl, sig):
    proc, out, marker = _start(tmp_path, impl, str(tmp_path), busy_us=20)
    _wait_for(proc, 2000)  # several blocks handed over
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    finished, steps, appended = marker.read_text().split()
    assert finished == "False"
    assert _rows(out) == int(appended) == int(steps) + 1


def test_an_exception_keeps_every_appended_row(tmp_path, impl):
    proc, out, _ = _start(tmp_path, impl, str(tmp_path), fail_at=3001)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "step failed" in stderr
    assert _rows(out) == 3001 + 1


def test_sigkill_loses_at_most_the_last_second(tmp_path, impl):
    proc, out, _ = _start(tmp_path, impl, str(tmp_path), busy_us=20)
    seen = _wait_for(proc, 500)
    time.sleep(2.5)  # the rows reach the file at least once a second
    proc.kill()
    proc.communicate(timeout=60)
    assert _rows(out) >= seen + 1
