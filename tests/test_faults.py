"""Real subprocesses stopped by real signals or failing with exceptions:
exit codes, epilog, and a valid file with every benchmark row so far."""

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
sys.path.insert(0, {here!r})
from _models import BenchWalker

class Model(BenchWalker):
    def epilog(self, *, finished_run):
        with open({marker!r}, "w") as f:
            f.write(str(finished_run))

Model(cfg_file_path=sys.argv[1]).run()
"""


def _prepare(tmp_path, *, num_steps, model=None, write_every=1, interval=0.0):
    """Write config and runner script; return the output and marker paths."""
    out = tmp_path / "out.h5"
    cfg = dict(
        root_model_name="M",
        output_path=str(out),
        output_dir=str(tmp_path),
        seed=1,
        monitor_emit_interval=interval,
        log_levels=dict(model="info", backend="info"),
        num_steps=num_steps,
        write_every=write_every,
        M=dict(model or {}),
    )
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(cfg))
    marker = tmp_path / "epilog.txt"
    (tmp_path / "run.py").write_text(
        SCRIPT.format(here=HERE, marker=str(marker))
    )
    return out, marker


def _start(tmp_path, **kw):
    out, marker = _prepare(tmp_path, **kw)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cfg.yml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, out, marker


def _wait_for_lines(proc, n):
    lines = []
    while len(lines) < n:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("!!map"):
            lines.append(yaml.safe_load(line))
    return lines


def _check_file(out):
    with h5py.File(out, "r") as f:
        x = f["M/x"]
        bench = f["M/benchmark"]
        rows = bench["cumulative"]
        labels = [
            s.decode() if isinstance(s, bytes) else s
            for s in rows.attrs["coords__label"]
        ]
        assert rows.shape[0] == x.shape[0]  # one row per data write
        assert rows.shape[1] == len(labels) == 4
        total = bench["total"][:]
        total_labels = list(bench["total"].attrs["coords__label"])
        assert len(total) == len(total_labels) == 11
        by_name = dict(zip(total_labels, total))
        # Stored totals are the timers' final values: the last row of the
        # cumulative timers cannot exceed them.
        last = dict(zip(labels, rows[-1]))
        for k in labels:
            assert last[k] <= by_name[k] * (1 + 1e-6) + 1e-9
        assert by_name["simulation"] >= by_name["run"] > 0
        assert by_name["teardown"] == 0
        # Monotonic rows: cumulative timers never decrease.
        assert np.all(np.diff(rows[:], axis=0) >= 0)
        return x.shape[0]


@pytest.mark.parametrize("where", ["step", "write", "monitor"])
@pytest.mark.parametrize(
    "sig", [signal.SIGUSR1, signal.SIGINT, signal.SIGTERM], ids=str
)
def test_signal_mid_run(tmp_path, sig, where):
    # Nearly all of the run is spent sleeping in `where`, so that is where
    # the signal lands.
    proc, out, marker = _start(
        tmp_path, num_steps=100_000, model=dict(sleep=0.002, sleep_in=where)
    )
    _wait_for_lines(proc, 5)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    assert marker.read_text() == "False"
    n = _check_file(out)
    assert 5 <= n < 100_000
    assert "Elapsed times" in stderr  # summary still shown


def test_second_signal_during_handling(tmp_path):
    proc, out, _ = _start(tmp_path, num_steps=100_000, model=dict(sleep=0.001))
    _wait_for_lines(proc, 3)
    proc.send_signal(signal.SIGUSR1)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode in (128 + signal.SIGUSR1, 128 + signal.SIGTERM)
    _check_file(out)


def test_many_rows_then_signal_keeps_all_rows(tmp_path):
    # Many rows, some written by blocks and by the once-a-second sync, some
    # still pending at the stop: every one of them reaches the file.
    proc, out, _ = _start(tmp_path, num_steps=10**7, interval=0.05)
    seen = 0
    while seen < 20_000:
        seen = _wait_for_lines(proc, 1)[0]["n_iter"]
    proc.send_signal(signal.SIGUSR1)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGUSR1, stderr
    assert _check_file(out) > seen


@pytest.mark.parametrize("where", ["perform_step", "write_data", "monitor"])
def test_exception_keeps_valid_file(tmp_path, where):
    code = f"""
import sys
sys.path.insert(0, {HERE!r})
from _models import BenchWalker

class Model(BenchWalker):
    def {where}(self, *args):
        if self.time == 7:
            raise ValueError("broken {where}")
        return super().{where}(*args)

Model(cfg_file_path=sys.argv[1]).run()
"""
    out, _ = _prepare(tmp_path, num_steps=50)
    (tmp_path / "run.py").write_text(code)
    res = subprocess.run(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cfg.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert f"ValueError: broken {where}" in res.stderr
    n = _check_file(out)
    # perform_step fails in the step from time 7; the others once time is 7,
    # before it was written.
    assert n == (8 if where == "perform_step" else 7)


def test_sigkill_leaves_a_readable_file(tmp_path):
    """SIGKILL is out of scope for data, but the file still opens with the
    rows up to the last file flush (at most one per second, after blocks)."""
    proc, out, _ = _start(tmp_path, num_steps=10**8, interval=0.05)
    # Wait on the model's own progress, not the clock, so that a loaded
    # machine cannot kill it before two blocks of 4096 rows were handed
    # over; then give the once-a-second flush time to run.
    while _wait_for_lines(proc, 1)[0]["n_iter"] <= 2 * 4096:
        pass
    time.sleep(1.5)
    proc.kill()
    proc.communicate(timeout=60)
    with h5py.File(out, "r") as f:
        bench = f["M/benchmark"]
        assert bench["cumulative"].shape[0] >= 4096
        assert "total" not in bench
