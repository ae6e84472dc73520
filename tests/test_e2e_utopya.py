"""End to end: our model run by the real utopya frontend (utopya 1.3.11).

utopya's wheel bundles its own copy of ``utopya_backend``, so the frontend
lives in a virtualenv of its own (``UTOPYA_FRONTEND_VENV``, made here if
unset) while the model executable runs with this interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

FRONTEND_VERSION = "1.3.11"

MODEL = '''#!{python}
"""Model executable registered with the utopya frontend."""
import sys
import time

from utopya_backend import ModelBenchmarkMixin, StepwiseModel


class E2EWalker(ModelBenchmarkMixin, StepwiseModel):
    def setup(self, *, sleep=0.0, squares=False, **_):
        self.sleep = sleep
        self.squares = squares
        self.x = 0.0
        self.dset = self.create_ts_dset("x", dtype="f8")
        self.writer = self.create_ts_writer("y", dtype="f8")

    def perform_step(self):
        self.x += self.rng.normal()
        if self.sleep:
            time.sleep(self.sleep)

    def write_data(self):
        n = self.dset.shape[0]
        self.dset.resize(n + 1, axis=0)
        self.dset[n] = self.x
        self.writer.append(self.x)

    def should_write(self):
        if self.squares:  # irregular writes: at perfect squares
            return int(self.time**0.5) ** 2 == self.time
        return super().should_write()

    def monitor(self, info):
        info["steps_done"] = self.time
        return info


if __name__ == "__main__":
    E2EWalker(cfg_file_path=sys.argv[1]).run()
'''

MODEL_BASE = '''#!{python}
"""A BaseModel writing through create_ts_writer, registered with utopya."""
import sys

from utopya_backend import BaseModel


class E2ECounter(BaseModel):
    def setup(self, *, iterations=12, every=3, squares=False, **_):
        self.iterations = iterations
        self.every = every
        self.squares = squares
        self.writer = self.create_ts_writer("v", dtype="i8")

    def should_iterate(self):
        return self.n_iterations < self.iterations

    def iterate(self):
        pass

    def should_write(self):
        n = self.n_iterations
        if self.squares:  # irregular writes: at perfect squares
            return int(n**0.5) ** 2 == n
        return n % self.every == 0

    def write_data(self):
        self.writer.append(10 * self.n_iterations)


if __name__ == "__main__":
    E2ECounter(cfg_file_path=sys.argv[1]).run()
'''

DEFAULT_CFG = """
sleep: 0.0
benchmark:
  show_on_exit: false
"""

DRIVER = """
import json, sys
import utopya
from paramspace import ParamDim

name, exe, default_cfg, out_dir, exe_base = sys.argv[1:6]
for model_name, executable in ((name, exe), (name + "Base", exe_base)):
    utopya.MODELS.register_model_info(
        model_name,
        paths=dict(executable=executable, default_cfg=default_cfg),
        label="e2e",
        exists_action="overwrite",
        set_as_default=True,
    )
model = utopya.Model(name=name)
base = dict(
    executable_control=dict(run_from_tmpdir=False),
    worker_manager=dict(num_workers=2),
    data_manager=dict(
        load_cfg=dict(
            data=dict(
                loader="hdf5_proxy",
                glob_str="data/uni*/data.h5",
                required=True,
                path_regex="data/uni(\\d+)/data.h5",
                target_path="multiverse/{match:}/data",
                enable_mapping=True,
            )
        )
    ),
)
result = {}


def summary(mv, key):
    mv.dm.load_from_cfg(print_tree=False)
    unis = mv.dm["multiverse"]
    out = dict(counters=mv.wm.task_counters, unis={})
    for uni_name, uni in unis.items():
        data = uni["data"][name]
        cum = data["benchmark"]["cumulative"]
        arr = cum.data
        y = data["y"].data
        out["unis"][uni_name] = dict(
            x=int(data["x"].shape[0]),
            y_dims=list(y.dims),
            y_time=[int(v) for v in y.coords["time"].values],
            y_equals_x=bool((y.values == data["x"].data.values).all()),
            x_time=[int(v) for v in data["x"].data.coords["time"].values],
            dims=list(arr.dims),
            n_iter=[int(v) for v in arr.coords["n_iterations"].values],
            labels=[str(v) for v in arr.coords["label"].values],
            total=[
                str(v)
                for v in data["benchmark"]["total"].data.coords["label"].values
            ],
        )
    result[key] = out


mv = model.create_mv(
    **base,
    paths=dict(out_dir=f"{out_dir}/single"),
    parameter_space=dict(num_steps=20, write_every=5, seed=3),
)
mv.run()
summary(mv, "single")

mv = model.create_mv(
    **base,
    paths=dict(out_dir=f"{out_dir}/sweep"),
    parameter_space=dict(
        num_steps=12, write_every=4, seed=ParamDim(default=1, values=[1, 2, 3])
    ),
)
mv.run_sweep()
summary(mv, "sweep")

mv = model.create_mv(
    **base,
    paths=dict(out_dir=f"{out_dir}/stopped"),
    parameter_space={
        "num_steps": 100000,
        "monitor_emit_interval": 0.02,
        name: dict(sleep=0.002),
    },
    run_kwargs=dict(
        stop_conditions=[
            dict(
                name="enough steps",
                func="check_monitor_entry",
                entry_name=name + ".steps_done",
                operator=">=",
                value=20,
            )
        ]
    ),
)
mv.run()
summary(mv, "stopped")

mv = model.create_mv(
    **base,
    paths=dict(out_dir=f"{out_dir}/irregular"),
    parameter_space={"num_steps": 20, name: dict(squares=True)},
)
mv.run()
summary(mv, "irregular")


def writer_summary(mv, key, model_name):
    mv.dm.load_from_cfg(print_tree=False)
    out = dict(counters=mv.wm.task_counters, unis={})
    for uni_name, uni in mv.dm["multiverse"].items():
        v = uni["data"][model_name]["v"].data
        out["unis"][uni_name] = dict(
            dims=list(v.dims),
            time=[int(t) for t in v.coords["time"].values],
            values=[int(x) for x in v.values],
            mode=str(uni["data"][model_name]["v"].attrs["coords_mode__time"]),
        )
    result[key] = out


base_model = utopya.Model(name=name + "Base")
for key, cfg in (("base_regular", {}), ("base_irregular", dict(squares=True))):
    mv = base_model.create_mv(
        **base,
        paths=dict(out_dir=f"{out_dir}/{key}"),
        parameter_space={name + "Base": dict(iterations=12, **cfg)},
    )
    mv.run()
    writer_summary(mv, key, name + "Base")

print("E2E-RESULT " + json.dumps(result))
"""


def _frontend_python(tmp_path_factory) -> str:
    venv = os.environ.get("UTOPYA_FRONTEND_VENV")
    if not venv:
        venv = str(tmp_path_factory.getbasetemp() / "utopya-venv")
    py = os.path.join(venv, "bin", "python")
    ok = (
        os.path.exists(py)
        and (
            subprocess.run([py, "-c", "import utopya"], capture_output=True)
        ).returncode
        == 0
    )
    if ok:
        return py
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", venv], check=True, timeout=300
        )
        subprocess.run(
            [py, "-m", "pip", "install", "-q", f"utopya=={FRONTEND_VERSION}"],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        if os.environ.get("UTOPYA_BACKEND_REQUIRE_E2E"):
            raise
        pytest.skip(f"could not install utopya=={FRONTEND_VERSION}: {exc}")
    return py


@pytest.fixture(scope="module")
def e2e_result(tmp_path_factory):
    py = _frontend_python(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("e2e")
    exe = tmp / "run_model.py"
    exe.write_text(MODEL.format(python=sys.executable))
    exe.chmod(0o755)
    exe_base = tmp / "run_base_model.py"
    exe_base.write_text(MODEL_BASE.format(python=sys.executable))
    exe_base.chmod(0o755)
    (tmp / "default_cfg.yml").write_text(textwrap.dedent(DEFAULT_CFG))
    (tmp / "driver.py").write_text(DRIVER)
    home = tmp / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}  # a registry of its own
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [
            py,
            str(tmp / "driver.py"),
            "UBE2EWalker",
            str(exe),
            str(tmp / "default_cfg.yml"),
            str(tmp / "out"),
            str(exe_base),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    lines = [
        x for x in proc.stdout.splitlines() if x.startswith("E2E-RESULT ")
    ]
    assert proc.returncode == 0 and lines, (
        proc.stdout[-3000:] + proc.stderr[-5000:]
    )
    return json.loads(lines[-1][len("E2E-RESULT ") :])


def test_irregular_writes_load_with_linked_coordinates(e2e_result):
    irregular = e2e_result["irregular"]
    assert irregular["counters"]["success"] == 1
    (uni,) = irregular["unis"].values()
    assert uni["n_iter"] == [0, 1, 4, 9, 16]
    # A StepwiseModel's writer has create_ts_dset's time coordinates
    # (write_start + k * write_every), exactly as the idiom's dataset:
    # rows written off that plan need a BaseModel writer (tests below).
    assert uni["y_dims"] == ["time"]
    assert uni["y_time"] == uni["x_time"] == [0, 1, 2, 3, 4]
    assert uni["y_equals_x"]


CUMULATIVE = ["model_iteration", "monitor", "write_data", "full_iteration"]


def test_plain_run_succeeds_and_loads(e2e_result):
    single = e2e_result["single"]
    assert single["counters"]["success"] == 1
    assert single["counters"]["failed"] == 0
    (uni,) = single["unis"].values()
    assert uni["x"] == 5  # times 0, 5, 10, 15, 20
    assert uni["dims"] == ["n_iterations", "label"]
    assert uni["n_iter"] == [0, 5, 10, 15, 20]
    assert uni["y_dims"] == ["time"] and uni["y_time"] == [0, 5, 10, 15, 20]
    assert uni["y_equals_x"]  # writer rows == the idiom's rows
    assert uni["labels"] == CUMULATIVE
    assert "simulation" in uni["total"]


def test_sweep_runs_every_universe(e2e_result):
    sweep = e2e_result["sweep"]
    assert sweep["counters"]["success"] == 3
    assert len(sweep["unis"]) == 3
    for uni in sweep["unis"].values():
        assert uni["x"] == 4 and uni["n_iter"] == [0, 4, 8, 12]
        assert uni["y_time"] == [0, 4, 8, 12] and uni["y_equals_x"]


def test_stop_condition_stops_universe(e2e_result):
    stopped = e2e_result["stopped"]
    assert stopped["counters"]["stopped"] == 1
    assert stopped["counters"]["failed"] == 0
    (uni,) = stopped["unis"].values()
    assert 20 <= uni["x"] < 100_000
    assert uni["n_iter"] == list(range(uni["x"]))
    assert uni["y_time"] == list(range(uni["x"])) and uni["y_equals_x"]


def test_base_model_writer_regular_writes_load_with_time(e2e_result):
    """BaseModel writer rows are labelled with n_iterations; regular writes
    end up as start_and_step coordinates."""
    regular = e2e_result["base_regular"]
    assert regular["counters"]["success"] == 1
    (uni,) = regular["unis"].values()
    assert uni["dims"] == ["time"]
    assert uni["time"] == [3, 6, 9, 12]
    assert uni["values"] == [30, 60, 90, 120]
    assert uni["mode"] == "start_and_step"


def test_base_model_writer_irregular_writes_load_linked_time(e2e_result):
    irregular = e2e_result["base_irregular"]
    assert irregular["counters"]["success"] == 1
    (uni,) = irregular["unis"].values()
    assert uni["dims"] == ["time"]
    assert uni["time"] == [1, 4, 9]
    assert uni["values"] == [10, 40, 90]
    assert uni["mode"] == "linked"


# .. The example model, registered from its manifest ..........................

EXAMPLE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "examples",
    "SIS",
)

EXAMPLE_DRIVER = """
import json, os, sys
import utopya
from paramspace import ParamDim

out_dir, prefix = sys.argv[1], json.loads(sys.argv[2])
model = utopya.Model(name="SIS")
base = dict(
    executable_control=dict(run_from_tmpdir=False, prefix=prefix),
    worker_manager=dict(num_workers=2),
)
result = {}


def record(mv, key):
    data = mv.dirs["data"]
    uni_dirs = sorted(os.path.join(data, d) for d in os.listdir(data))
    result[key] = dict(counters=mv.wm.task_counters, unis=uni_dirs)


mv = model.create_mv(
    **base,
    paths=dict(out_dir=out_dir + "/sweep"),
    parameter_space=dict(
        num_steps=30,
        write_every=10,
        SIS=dict(grid=16, p_infect=ParamDim(default=0.3, values=[0.1, 0.5])),
    ),
)
mv.run_sweep()
record(mv, "sweep")

mv = model.create_mv(
    **base,
    paths=dict(out_dir=out_dir + "/stopped"),
    parameter_space=dict(
        num_steps=10**7, monitor_emit_interval=0.05, SIS=dict(grid=16)
    ),
    run_kwargs=dict(
        stop_conditions=[
            dict(
                name="any density",
                func="check_monitor_entry",
                entry_name="SIS.infected_density",
                operator=">=",
                value=0.0,
            )
        ]
    ),
)
mv.run()
record(mv, "stopped")
print("E2E-RESULT " + json.dumps(result))
"""


def _run_example(py_frontend: str, tmp, *, prefix, env) -> dict:
    utopya_cli = os.path.join(os.path.dirname(py_frontend), "utopya")
    reg = subprocess.run(
        [utopya_cli, "models", "register", "from-manifest",
         os.path.join(EXAMPLE, "SIS_info.yml"), "--exists-action",
         "overwrite"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert reg.returncode == 0, reg.stdout + reg.stderr
    (tmp / "driver.py").write_text(EXAMPLE_DRIVER)
    proc = subprocess.run(
        [py_frontend, str(tmp / "driver.py"), str(tmp / "out"),
         json.dumps(prefix)],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    lines = [x for x in proc.stdout.splitlines() if x.startswith("E2E-RES")]
    assert proc.returncode == 0 and lines, proc.stderr[-5000:]
    return json.loads(lines[-1][len("E2E-RESULT ") :])


def _check_example(result: dict) -> None:
    import h5py

    assert result["sweep"]["counters"]["success"] == 2
    assert result["stopped"]["counters"]["stopped"] == 1
    for key in ("sweep", "stopped"):
        for uni in result[key]["unis"]:
            with h5py.File(os.path.join(uni, "data.h5"), "r") as f:
                g = f["SIS"]
                n = g["infected_density"].shape[0]
                assert n >= 1 and g["infected"].shape[0] == n
                cum = g["benchmark/cumulative"]
                assert cum.shape == (n, 5)  # 4 default timers + neighbours
                assert "total" in g["benchmark"]


@pytest.mark.skipif(not os.path.isdir(EXAMPLE), reason="no examples/ here")
def test_example_with_model_interpreter_of_its_own(tmp_path_factory):
    """Way 1: the frontend in its venv, the model run by this interpreter."""
    py = _frontend_python(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("example1")
    home = tmp / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    env.pop("PYTHONPATH", None)
    _check_example(_run_example(py, tmp, prefix=[sys.executable], env=env))


@pytest.mark.skipif(not os.path.isdir(EXAMPLE), reason="no examples/ here")
def test_example_in_one_environment_replacing_bundled_copy(tmp_path_factory):
    """Way 2: this package installed after utopya, in the same venv."""
    venv = os.environ.get("UTOPYA_ONEENV_VENV")
    if not venv:
        pytest.skip(
            "UTOPYA_ONEENV_VENV not set: needs a virtualenv with utopya "
            "installed first and this package's wheel after it (.ci/run "
            "makes one)"
        )
    py = os.path.join(venv, "bin", "python")
    check = subprocess.run(
        [py, "-c", "import utopya_backend, utopya_backend.core._impl as c;"
         "print(c.IMPLEMENTATION, hasattr(utopya_backend, '__version__'))"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.stdout.split() == ["c", "True"], check.stderr
    tmp = tmp_path_factory.mktemp("example2")
    home = tmp / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env["PATH"]
    env.pop("PYTHONPATH", None)
    _check_example(_run_example(py, tmp, prefix=None, env=env))
