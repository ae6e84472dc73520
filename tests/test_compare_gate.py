"""``report`` and ``report --compare`` on real runs (issue 21): a killed
run, files of the original package, a FIFO ``config.yml``, odd ``--plot``
paths and options, a model named ``a/b``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from test_e2e_utopya import _frontend_python
from test_report_faults import _universe, cli

# A walker run under whichever utopya_backend the interpreter imports
# (ours, or the original bundled with utopya 1.3.11).
WALKER = """
import os, sys
import yaml
from utopya_backend import ModelBenchmarkMixin, StepwiseModel

class Walker(ModelBenchmarkMixin, StepwiseModel):
    def setup(self, **_):
        self.x = 0.0
        self.dset = self.create_ts_dset("x", dtype="f8")

    def perform_step(self):
        self.x += self.rng.normal()

    def write_data(self):
        n = self.dset.shape[0]
        self.dset.resize(n + 1, axis=0)
        self.dset[n] = self.x

out, steps, every, name = sys.argv[1:5]
os.makedirs(out)
cfg = dict(root_model_name=name, output_path=os.path.join(out, "data.h5"),
           output_dir=out, seed=1, monitor_emit_interval=100.0,
           log_levels=dict(model="warning", backend="warning"),
           num_steps=int(steps), write_every=int(every))
cfg[name] = dict(benchmark=dict(show_on_exit=False))
with open(os.path.join(out, "config.yml"), "w") as f:
    yaml.safe_dump(cfg, f)
Walker(cfg_file_path=os.path.join(out, "config.yml")).run()
"""


def _walk(python, run, uni, steps, every, name="Walker", env=None):
    script = os.path.join(str(run), "walker.py")
    if not os.path.exists(script):
        os.makedirs(str(run), exist_ok=True)
        with open(script, "w") as f:
            f.write(WALKER)
    out = os.path.join(str(run), "data", f"uni{uni}")
    res = subprocess.run(
        [python, script, out, str(steps), str(every), name],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    return os.path.join(out, "data.h5")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same sweep (200 steps, writes every step; 37 steps, every 10th)
    run by this package and by the original."""
    tmp = tmp_path_factory.mktemp("orig")
    ours, orig = tmp / "ours", tmp / "orig"
    py = _frontend_python(tmp_path_factory)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for uni, (steps, every) in enumerate(((200, 1), (37, 10)), start=1):
        _walk(sys.executable, ours, uni, steps, every)
        _walk(py, orig, uni, steps, every, env=env)
    return str(ours), str(orig)


def test_report_on_original_files_invents_no_early_stop(runs):
    res = cli("report", runs[1])
    assert res.returncode == 0, res.stderr
    assert "stopped early" not in res.stdout
    assert "did not run all planned steps" not in res.stdout
    assert "-/200" in res.stdout and "-/37" in res.stdout
    assert res.stdout.count("ok (steps not stored)") == 2
    # Ours stored the counts: all steps done.
    res = cli("report", runs[0])
    assert "200/200" in res.stdout and "37/37" in res.stdout


@pytest.mark.parametrize("order", [1, -1])
def test_ours_against_the_original_flags_nothing(runs, order):
    before, after = runs[::order]
    res = cli("report", "--compare", before, after, "--fail-on-slowdown")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no timer significantly slower" in res.stdout
    side = "after" if order == 1 else "before"
    assert f"not comparable: {side}: no invocation counts stored" in res.stdout
    data = json.loads(
        cli("report", "--compare", before, after, "--json").stdout
    )
    rows = {r["timer"]: r for r in data["timers"]}
    assert data["slowdown"] == []
    assert rows["write_data"]["kind"] == "not comparable"
    assert rows["write_data"]["ratio_mean"] is None
    assert rows["init"]["kind"] == "single sample"


@pytest.fixture(scope="module")
def complete_and_killed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("killed")
    return (
        str(_universe(tmp / "a", 1, steps=200)),
        str(_universe(tmp / "b", 1, steps=200, kill_at=100)),
    )


@pytest.mark.parametrize("order", [1, -1])
def test_complete_against_killed_run_flags_nothing(complete_and_killed, order):
    before, after = complete_and_killed[::order]
    res = cli("report", "--compare", before, after, "--fail-on-slowdown")
    assert res.returncode == 0, res.stdout + res.stderr
    side = "after" if order == 1 else "before"
    line = next(
        ln for ln in res.stdout.splitlines() if "model_iteration" in ln
    )
    assert f"not comparable: {side}: incomplete run (killed?)" in line
    assert "x" not in line.split("not comparable")[0].split("iteration")[1]


def test_fifo_config_does_not_hang(tmp_path):
    run = tmp_path / "run"
    _universe(run, 1, steps=30)
    cfg = run / "data" / "uni1" / "config.yml"
    cfg.unlink()
    os.mkfifo(cfg)
    res = cli("report", str(run), timeout=60)
    assert res.returncode == 0, res.stderr
    assert "uni1" in res.stdout


def test_model_name_with_a_slash(tmp_path):
    path = _walk(sys.executable, tmp_path, 1, 30, 10, name="group/Walker")
    res = cli("report", path)
    assert res.returncode == 0, res.stderr
    assert f"{path} : /group/Walker/benchmark" in res.stdout
    res = cli("report", path, "--model", "group/Walker", "--json")
    assert json.loads(res.stdout)["benchmarks"][0]["model"] == "group/Walker"
    res = cli("report", "--compare", path, path, "--fail-on-slowdown")
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("value", ["nan", "-0.1", "2"])
def test_min_share_is_checked(complete_and_killed, value):
    a = complete_and_killed[0]
    res = cli("report", "--compare", a, a, f"--min-share={value}")
    assert res.returncode == 2
    assert f"--min-share must be a share from 0 to 1, got {float(value)}" in (
        res.stderr
    )


def test_plot_paths_that_name_no_file_are_refused(
    complete_and_killed, tmp_path
):
    good = complete_and_killed[0]
    d = tmp_path / "figs"
    d.mkdir()
    for out in (str(d) + "/", str(d), "", str(d / ".png")):
        res = cli("report", good, "--plot", out)
        assert res.returncode == 2, out
        assert "--plot" in res.stderr and "Traceback" not in res.stderr
    assert not os.listdir(d)
    assert "give a file name such as" in res.stderr


def test_one_universe_is_singular(tmp_path):
    run = tmp_path / "run"
    _universe(run, 1, steps=20)
    res = cli("report", str(run))
    assert "  1 universe; simulation time" in res.stdout


def test_copy_of_the_run_keeps_working(complete_and_killed, tmp_path):
    # The original of the killed file still reads after the comparison:
    # nothing was written into it.
    killed = complete_and_killed[1]
    copy = tmp_path / "k.h5"
    shutil.copy(killed, copy)
    assert cli("report", "--compare", killed, killed).returncode == 0
    assert open(killed, "rb").read() == open(copy, "rb").read()


def test_demo_compare_python_run_time_is_a_row_of_its_table(tmp_path):
    res = cli(
        "demo",
        *("--steps", "30", "--grid", "16", "--out", str(tmp_path / "d")),
        "--compare-python",
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    table = next(x for x in lines if x.split()[:1] == ["simulation"])
    row = next(x for x in lines if x.split()[:2] == ["simulation", "total"])
    # The compiled run's figure is its table's simulation total.
    assert row.split()[2] == table.split()[1]


def test_cpu_share_stops_with_the_wall_time(tmp_path):
    """CPU burnt after the run (closing the file, the summary, anything)
    is not set against the run's wall time."""
    import time

    import h5py

    from utopya_backend import ModelBenchmarkMixin, StepwiseModel

    class M(ModelBenchmarkMixin, StepwiseModel):
        def setup(self, **_):
            pass

        def perform_step(self):
            pass

        def write_data(self):
            pass

    cfg = dict(
        root_model_name="M",
        output_path=str(tmp_path / "data.h5"),
        num_steps=20,
        seed=1,
        monitor_emit_interval=100.0,
        log_levels=dict(model="warning", backend="warning"),
        M=dict(benchmark=dict(show_on_exit=False)),
    )
    (tmp_path / "c.yml").write_text(yaml.safe_dump(cfg))
    m = M(cfg_file_path=str(tmp_path / "c.yml"))
    m.run()
    first = m.resource_usage
    end = time.process_time() + 0.05
    while time.process_time() < end:
        pass
    assert m.resource_usage == first
    with h5py.File(tmp_path / "data.h5", "r") as f:
        stored = dict(
            zip(
                [
                    str(x)
                    for x in f["M/benchmark/resources"].attrs["coords__label"]
                ],
                f["M/benchmark/resources"][()],
            )
        )
    assert stored["cpu"] == first["cpu"] and stored["wall"] == first["wall"]


def test_histogram_axis_is_a_percentage(complete_and_killed, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from utopya_backend.reports import plots, report

    saved = []
    orig = Figure.savefig

    def savefig(self, path, *a, **kw):
        saved.append(self)
        return orig(self, path, *a, **kw)

    loaded = report.load_path(complete_and_killed[0])
    Figure.savefig = savefig
    try:
        plots.plot_distributions(loaded, str(tmp_path / "f.png"))
    finally:
        Figure.savefig = orig
    axes = [ax for ax in saved[0].axes if ax.get_visible()]
    assert axes
    for ax in axes:
        assert ax.get_ylabel() == "% of invocations per bucket"
        heights = [v for p in ax.patches for v in p.get_path().vertices[:, 1]]
        assert 0 < max(heights) <= 100
