"""Following a run while it writes: ``swmr: true`` and ``report --follow``.

The followers and the models run in real subprocesses; readers use plain
h5py in SWMR mode."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import yaml
from _swmr_models import WIDTH, Rows, Steps

from utopya_backend.io import _swmr
from utopya_backend.model._config import ConfigError

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "_swmr_models.py")
TIMEOUT = 120


def _run(cls, cfg):
    model = cls(cfg_file_path=cfg)
    model.run()
    states = dict(model.states)
    del model
    return states


def _contents(path):
    """Every object of the file: its kind, shape, dtype, attributes and
    (for model data) values; benchmark timings by shape only."""
    out = {}
    with h5py.File(path, "r") as f:
        out["/"] = ("group", {k: _plain(v) for k, v in f.attrs.items()})

        def visit(name, obj):
            attrs = {k: _plain(v) for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Group):
                out[name] = ("group", attrs)
                return
            timing = "/benchmark/" in name and "n_iterations" not in name
            values = None if timing else _plain(obj[()])
            out[name] = (obj.shape, str(obj.dtype), obj.compression, attrs)
            out[name + ":values"] = values

        f.visititems(visit)
    return out


def _plain(value):
    arr = np.asarray(value)
    if arr.dtype == object:
        return [v.decode() if isinstance(v, bytes) else v for v in arr.flat]
    return arr.tolist()


def _cfg(make_cfg, swmr, **model):
    return make_cfg(name="M", model=model, swmr=swmr)


# .. Config ...................................................................


def test_swmr_must_be_a_boolean(make_cfg, tmp_path):
    """``swmr: "yes"`` fails before any file exists, naming key and value."""
    cfg = make_cfg(name="M", swmr="yes")
    with pytest.raises(ConfigError) as err:
        Rows(cfg_file_path=cfg)
    text = str(err.value)
    assert "'swmr'" in text and "'yes'" in text and cfg in text
    assert "true or false" in text
    assert not list(tmp_path.glob("*.h5"))


# .. The finished file ........................................................


@pytest.mark.parametrize("cls", [Rows, Steps], ids=["BaseModel", "Stepwise"])
def test_finished_swmr_file_equals_a_run_without(use_impl, make_cfg, cls):
    """Same objects, attributes and model values as a run without SWMR
    (the benchmark's timings differ from run to run: compared by shape);
    the file was SWMR-written in the loop and no longer in the epilog,
    where attributes of written datasets can be set."""
    plain_cfg, swmr_cfg = _cfg(make_cfg, False), _cfg(make_cfg, True)
    plain_states = _run(cls, plain_cfg)
    swmr_states = _run(cls, swmr_cfg)
    assert swmr_states == {"loop": "swmr", "epilog": "writing"}
    # Without swmr: HDF5's default (oldest) superblock, no status flags.
    assert plain_states == {"loop": "unknown", "epilog": "unknown"}
    plain = _contents(yaml.safe_load(open(plain_cfg))["output_path"])
    swmr_path = yaml.safe_load(open(swmr_cfg))["output_path"]
    assert _contents(swmr_path) == plain
    assert _swmr.writer_state(swmr_path) == "closed"
    assert _swmr.PID_ATTR not in plain["/"][1]  # removed at the end


def test_rows_and_coordinates_of_a_swmr_run(use_impl, make_cfg):
    """The values a reader relies on: one row per iteration holding its
    n_iterations, labelled start_and_step [1, 1]; the epilog's
    attributes."""
    cfg = _cfg(make_cfg, True, stop=30)
    _run(Rows, cfg)
    with h5py.File(yaml.safe_load(open(cfg))["output_path"], "r") as f:
        ds = f["M/rows"]
        expect = np.repeat(np.arange(1.0, 31.0), WIDTH).reshape(30, WIDTH)
        np.testing.assert_array_equal(ds[()], expect)
        assert ds.attrs["coords_mode__time"] == "start_and_step"
        assert list(ds.attrs["coords__time"]) == [1, 1]
        assert ds.attrs["rows_written"] == 30
        assert f["M"].attrs["finished_run"]
        assert f["M/benchmark/cumulative"].shape == (30, 4)
        assert list(f["M/benchmark/total"].attrs["invocations"])[7] == 30


def test_exception_in_a_swmr_run_still_finishes_the_file(use_impl, make_cfg):
    """The error propagates; the file is closed as an ordinary one, with
    the rows before the error and the benchmark totals."""
    cfg = _cfg(make_cfg, True, stop=30, fail_at=7)
    model = Rows(cfg_file_path=cfg)
    with pytest.raises(RuntimeError, match="iterate failed at 7"):
        model.run()
    del model
    path = yaml.safe_load(open(cfg))["output_path"]
    assert _swmr.writer_state(path) == "closed"
    with h5py.File(path, "r") as f:  # an ordinary open works
        rows = f["M/rows"][()]
        assert rows.shape == (7, WIDTH)
        assert rows[:, 0].tolist() == list(range(1, 8))
        assert "total" in f["M/benchmark"]
        assert _swmr.PID_ATTR not in f.attrs


# .. Following a running model ................................................


def _start(tmp_path, cls="Rows", wait=True, **model):
    """Start a model in a subprocess; wait until its file is SWMR-written
    (if ``wait``)."""
    out = str(tmp_path / "run.h5")
    cfg = dict(
        root_model_name="M",
        output_path=out,
        seed=1,
        monitor_emit_interval=1000.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=model.pop("num_steps", 10),
        swmr=True,
        M=model,
    )
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(cfg))
    proc = subprocess.Popen(
        [sys.executable, MODELS, cls, str(tmp_path / "cfg.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + TIMEOUT
    while wait and _swmr.writer_state(out) != "swmr":
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the run never went SWMR"
        time.sleep(0.02)
    return proc, out


READER = """
import json, sys, time
import h5py
path, pid_file = sys.argv[1], sys.argv[2]
seen = []
with h5py.File(path, "r", libver="latest", swmr=True) as f:
    ds = f["M/rows"]
    end = time.monotonic() + 100
    while len(seen) < 4 and time.monotonic() < end:
        ds.refresh()
        n = ds.shape[0]
        if n and (not seen or n > seen[-1][0]):
            rows = ds[:n]
            seen.append((n, rows[:, 0].tolist(), rows.min(axis=1).tolist()))
        time.sleep(0.05)
print(json.dumps(seen))
"""


def test_a_swmr_reader_process_sees_rows_appear(tmp_path):
    """A plain h5py reader in another process sees the row count grow
    while the model runs, each row holding the iteration that wrote it."""
    proc, out = _start(tmp_path, stop=100_000, sleep=0.005)
    try:
        (tmp_path / "reader.py").write_text(READER)
        res = subprocess.run(
            [sys.executable, str(tmp_path / "reader.py"), out, ""],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert res.returncode == 0, res.stderr
        running = proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    seen = json.loads(res.stdout)
    assert running  # the rows were seen while the model ran
    counts = [n for n, _, _ in seen]
    assert len(counts) == 4 and counts == sorted(set(counts))
    for n, first, low in seen:
        assert first == [float(i) for i in range(1, n + 1)]
        assert low == first  # every column of the row
    # A handled SIGTERM ends the run: the file is finished, closed.
    assert proc.returncode == 128 + signal.SIGTERM
    with h5py.File(out, "r") as f:
        assert f["M/rows"].shape[0] >= counts[-1]
        assert "total" in f["M/benchmark"]


def _follow(path, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "utopya_backend", "report", path, "--follow"]
        + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


RUNNING = re.compile(r"\(running: (\d+) rows stored, at iteration (\d+)\)")


def test_report_follow_prints_growing_tables_until_the_run_ends(tmp_path):
    """At least two tables with growing row counts while the model runs,
    then the final table, and exit status 0 once the run closed the
    file."""
    proc, out = _start(tmp_path, stop=500, sleep=0.006)
    follower = _follow(out, "--interval", "0.2")
    stdout, stderr = follower.communicate(timeout=TIMEOUT)
    assert proc.wait(timeout=TIMEOUT) == 0, proc.stderr.read()
    assert follower.returncode == 0, stderr
    found = list(RUNNING.finditer(stdout))
    counts = [int(m.group(1)) for m in found]
    iters = [int(m.group(2)) for m in found]
    assert len(counts) >= 2 and counts == sorted(set(counts))
    assert iters == counts  # one row per iteration, from iteration 1
    assert counts[-1] <= 500
    final = stdout[found[-1].end() :]
    assert "the run ended (the file is closed)" in final
    assert re.search(r"full_iteration .* 500 ", final)  # the final count
    assert "produced by: utopya-backend" in final


def test_report_follow_of_a_closed_file_prints_the_table_at_once(tmp_path):
    proc, out = _start(tmp_path, stop=3, wait=False)
    assert proc.wait(timeout=TIMEOUT) == 0
    res = subprocess.run(
        [sys.executable, "-m", "utopya_backend", "report", out, "--follow"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert res.returncode == 0, res.stderr
    assert "running:" not in res.stdout
    assert re.search(r"write_data .* 3 ", res.stdout)
    assert res.stdout.rstrip().endswith("the run ended (the file is closed)")


# .. A killed run .............................................................


def test_sigkilled_swmr_run_leaves_a_file_h5py_opens(tmp_path):
    """After SIGKILL the file stays marked as SWMR-written: h5py opens it
    as a SWMR reader, with the rows of the last flush; ``report`` reads it
    as an incomplete run, and ``report --follow`` ends, naming the
    process."""
    proc, out = _start(tmp_path, stop=100_000, sleep=0.002)
    deadline = time.monotonic() + TIMEOUT
    while True:  # until a flush has stored rows
        with h5py.File(out, "r", libver="latest", swmr=True) as f:
            if f["M/rows"].shape[0] > 0:
                break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)
    assert _swmr.writer_state(out) == "swmr"
    with h5py.File(out, "r", libver="latest", swmr=True) as f:
        rows = f["M/rows"][()]
        assert len(rows) > 0
        assert rows[:, 0].tolist() == [
            float(i) for i in range(1, len(rows) + 1)
        ]
        assert f.attrs[_swmr.PID_ATTR] == proc.pid
    res = subprocess.run(
        [sys.executable, "-m", "utopya_backend", "report", out],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert res.returncode == 0, res.stderr
    assert "incomplete run (killed? no 'total' stored)" in res.stdout
    follower = _follow(out, "--interval", "0.1")
    stdout, stderr = follower.communicate(timeout=TIMEOUT)
    assert follower.returncode == 1, stderr
    assert f"(pid {proc.pid}) is gone without closing it" in stdout
    assert RUNNING.search(stdout)  # its last stored state first


# .. Command-line errors ......................................................


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--json"], "--follow prints tables: not with --compare, --json"),
        (["--interval", "0"], "--interval must be positive, got 0.0"),
    ],
)
def test_report_follow_usage_errors(tmp_path, extra, message):
    path = tmp_path / "x.h5"
    h5py.File(path, "w").close()
    res = subprocess.run(
        [sys.executable, "-m", "utopya_backend", "report", str(path)]
        + ["--follow"]
        + extra,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert res.returncode == 2
    assert message in res.stderr


def test_report_follow_of_a_directory_is_an_error(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "utopya_backend", "report", str(tmp_path)]
        + ["--follow"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert res.returncode == 2
    assert "--follow needs one HDF5 file" in res.stderr


def test_writer_state_of_files_that_are_not_hdf5(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("not hdf5 at all, but long enough to be read")
    assert _swmr.writer_state(str(text)) == "unknown"
    assert _swmr.writer_state(str(tmp_path / "missing.h5")) == "unknown"


HOLDER = """
import sys, time
import h5py
path, done = sys.argv[1], sys.argv[2]
import os
with h5py.File(path, "r", libver="latest", swmr=True) as f:
    ds = f["M/rows"]
    print("open", flush=True)
    end = time.monotonic() + 100
    while not os.path.exists(done) and time.monotonic() < end:
        try:
            ds.refresh()
            ds[: ds.shape[0]]
        except Exception:
            pass  # the run ending under a reader: its view may break
        time.sleep(0.02)
print("held")
"""


def test_a_reader_keeping_the_file_open_does_not_block_the_end(tmp_path):
    """The run ends normally (exit 0, a finished file) while a SWMR reader
    holds the file open: leaving SWMR mode reopens it without a lock."""
    proc, out = _start(tmp_path, stop=400, sleep=0.005)
    (tmp_path / "holder.py").write_text(HOLDER)
    done = tmp_path / "done"
    holder = subprocess.Popen(
        [sys.executable, str(tmp_path / "holder.py"), out, str(done)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "open\n"
        opened_while_running = proc.poll() is None
        code = proc.wait(timeout=TIMEOUT)
        still_holding = holder.poll() is None
    finally:
        done.write_text("")
        stdout, stderr = holder.communicate(timeout=TIMEOUT)
    assert opened_while_running
    assert still_holding and stdout.strip() == "held", stderr
    assert code == 0, proc.stderr.read()
    with h5py.File(out, "r") as f:
        assert f["M/rows"].shape == (400, WIDTH)
        assert f["M/rows"].attrs["coords_mode__time"] == "start_and_step"
        assert "total" in f["M/benchmark"]
