"""The standalone runner (``run``), in-process: targets, config, output.

``test_runner.py`` runs the README's example through the console script;
these tests call the runner's functions in this process (so the mutation
run sees them), with small models written into the test's directory.
"""

from __future__ import annotations

import os
import sys
import tempfile

import h5py
import numpy as np
import pytest
import yaml
from _models import BenchWalker, Counter, Walker

from utopya_backend.cli import runner
from utopya_backend.cli.runner import (
    RunnerError,
    build_root_cfg,
    load_model_class,
    parse_set,
    run_model,
)
from utopya_backend.tools import load_cfg_file

MODEL = """\
import sys
from utopya_backend import BaseModel, StepwiseModel

class Stepper(StepwiseModel):
    def setup(self, *, fail=None, leave=None, **_):
        if fail == "init":
            raise ValueError("bad config value")
        self.leave = leave
        self.dset = self.create_ts_dset("x")

    def perform_step(self):
        if self.leave is not None and self.time == 2:
            sys.exit(self.leave)

    def write_data(self):
        self.dset.resize(self.dset.shape[0] + 1, axis=0)
        self.dset[-1] = self.time

class Alpha(Stepper):
    pass

class NotAModel:
    pass
"""


@pytest.fixture
def clean_imports(monkeypatch):
    """The runner puts model folders on sys.path and modules in
    sys.modules; undo that after the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))


@pytest.fixture
def model_file(tmp_path, clean_imports, request) -> str:
    """A model file with a name of its own (its module is cached)."""
    path = tmp_path / f"models_{request.node.name.split('[')[0]}.py"
    path.write_text(MODEL)
    return str(path)


@pytest.fixture
def runs_dir(tmp_path, monkeypatch) -> str:
    """The temp dir the runner's default output goes under."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return str(tmp)


def _cfg(tmp_path, text: str, name: str = "cfg.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# .. --set items ..............................................................


@pytest.mark.parametrize(
    "item, parsed",
    [
        ("num_steps=100", (["num_steps"], 100)),
        ("params.rate=0.5", (["params", "rate"], 0.5)),
        (" a . b = [1, x] ", (["a", "b"], [1, "x"])),
        ("a=", (["a"], None)),
        ("a=   ", (["a"], None)),
        ("a=b=c", (["a"], "b=c")),
    ],
)
def test_parse_set(item, parsed):
    assert parse_set(item) == parsed


@pytest.mark.parametrize("item", ["num_steps", "=1", "a..b=1", "a. =1"])
def test_parse_set_needs_key_and_value(item):
    with pytest.raises(RunnerError) as exc:
        parse_set(item)
    assert str(exc.value) == (
        f"--set {item!r}: expected KEY=VALUE, e.g. num_steps=100 or "
        "params.rate=0.5"
    )


def test_parse_set_bad_yaml_names_the_problem():
    with pytest.raises(RunnerError) as exc:
        parse_set("a={b: [1}")
    assert str(exc.value).startswith(
        "--set 'a={b: [1}': the value is not valid YAML (expected ',' or "
    )


# .. the root config ..........................................................


def test_defaults_of_a_base_model():
    assert build_root_cfg(Counter) == dict(
        root_model_name="Counter",
        seed=42,
        monitor_emit_interval=2.0,
        log_levels=dict(model="info", backend="info"),
        Counter={},
    )


def test_stepwise_model_gets_num_steps_and_benchmark_stays_quiet():
    root = build_root_cfg(BenchWalker)
    assert root["num_steps"] == 100
    assert root["BenchWalker"] == dict(benchmark=dict(show_on_exit=False))
    assert build_root_cfg(Walker)["Walker"] == {}


def test_defaults_are_not_shared_between_configs():
    root = build_root_cfg(Walker)
    root["log_levels"]["model"] = "debug"
    assert build_root_cfg(Walker)["log_levels"]["model"] == "info"


def test_sets_go_to_root_or_model_and_nest():
    root = build_root_cfg(
        Walker,
        sets=[
            "seed=3",
            "log_levels.model=debug",
            "sleep=0.5",
            "p.q.r=1",
            "p.q.s=2",
        ],
    )
    assert root["seed"] == 3
    assert root["log_levels"] == dict(model="debug", backend="info")
    assert root["Walker"] == dict(sleep=0.5, p=dict(q=dict(r=1, s=2)))


def test_set_into_a_null_entry_makes_a_mapping():
    root = build_root_cfg(Walker, sets=["p=", "p.q=1"])
    assert root["Walker"] == dict(p=dict(q=1))


def test_set_below_a_value_is_refused():
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, sets=["p.q=1", "p.q.r=2"])
    assert str(exc.value) == "--set 'p.q.r=2': p.q is 1, not a mapping"


@pytest.mark.parametrize("key", ["output_path", "output_dir"])
def test_output_keys_are_the_runners(key):
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, sets=[f"{key}.x=/tmp/x"])
    assert str(exc.value) == (
        f"--set '{key}.x=/tmp/x': the runner chooses {key}; use --out DIR "
        "for a new output directory"
    )


def test_benchmark_show_on_exit_can_be_set():
    root = build_root_cfg(BenchWalker, sets=["benchmark.show_on_exit=true"])
    assert root["BenchWalker"]["benchmark"] == dict(show_on_exit=True)
    root = build_root_cfg(BenchWalker, sets=["benchmark=off"])
    assert root["BenchWalker"]["benchmark"] is False


@pytest.mark.parametrize("value", ["''", "5", "null"])
def test_model_name_must_be_a_name(value):
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, sets=[f"root_model_name={value}"])
    shown = repr(yaml.safe_load(value))
    assert str(exc.value) == f"root_model_name {shown}: expected a name"


def test_model_config_goes_under_the_chosen_name():
    root = build_root_cfg(Walker, sets=["root_model_name=W", "a=1"])
    assert root["W"] == dict(a=1)
    assert "Walker" not in root


def test_cfg_file_of_model_keys(tmp_path):
    path = _cfg(tmp_path, "sleep: 0.1\np: {q: 1}\n")
    root = build_root_cfg(Walker, cfg_file=path, sets=["p.r=2"])
    assert root["Walker"] == dict(sleep=0.1, p=dict(q=1, r=2))


def test_empty_cfg_file_is_no_keys(tmp_path):
    root = build_root_cfg(Walker, cfg_file=_cfg(tmp_path, "# nothing\n"))
    assert root["Walker"] == {}


def test_complete_run_config_replaces_the_defaults(tmp_path):
    path = _cfg(
        tmp_path,
        "root_model_name: W\nseed: 7\nnum_steps: 3\n"
        "output_path: /elsewhere/data.h5\noutput_dir: /elsewhere\n"
        "W: {sleep: 0.2}\nother: 1\n",
    )
    root = build_root_cfg(Walker, cfg_file=path, sets=["num_steps=4"])
    assert root == dict(
        root_model_name="W",
        seed=7,
        monitor_emit_interval=2.0,
        log_levels=dict(model="info", backend="info"),
        num_steps=4,
        other=1,
        W=dict(sleep=0.2),
    )


def test_complete_run_config_without_model_entry(tmp_path):
    path = _cfg(tmp_path, "root_model_name: W\nW: null\n")
    assert build_root_cfg(Walker, cfg_file=path)["W"] == {}


def test_complete_run_config_with_a_bad_model_entry(tmp_path):
    path = _cfg(tmp_path, "root_model_name: W\nW: [1, 2]\n")
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, cfg_file=path)
    assert str(exc.value) == (
        f"--cfg {path}: the entry of model 'W' is not a mapping"
    )


def test_cfg_file_errors(tmp_path):
    missing = str(tmp_path / "missing.yml")
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, cfg_file=missing)
    assert str(exc.value) == f"--cfg {missing}: no such file"

    listed = _cfg(tmp_path, "- 1\n- 2\n")
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, cfg_file=listed)
    assert str(exc.value) == (
        f"--cfg {listed}: expected a mapping of the model's config keys, "
        "got list"
    )

    broken = _cfg(tmp_path, "a: [1\n", "broken.yml")
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, cfg_file=broken)
    # Only the first line of the loader's error.
    assert str(exc.value).startswith(
        f"--cfg {broken}: Invalid config file {broken}, line "
    )
    assert "\n" not in str(exc.value)

    wrong = _cfg(tmp_path, "a: 1\n", "cfg.toml")
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, cfg_file=wrong)
    assert str(exc.value).startswith(
        f"--cfg {wrong}: Unsupported loader 'toml'"
    )


def test_cfg_error_without_text_is_named_by_its_type(tmp_path, monkeypatch):
    from utopya_backend import tools

    def fails(path):
        raise RecursionError()

    monkeypatch.setattr(tools, "load_cfg_file", fails)
    path = _cfg(tmp_path, "a: 1\n")
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, cfg_file=path)
    assert str(exc.value) == f"--cfg {path}: RecursionError"


# .. the model class ..........................................................


@pytest.mark.parametrize("target", ["model.py", ":Walker", "model.py:"])
def test_malformed_target(target):
    with pytest.raises(RunnerError) as exc:
        load_model_class(target)
    assert str(exc.value) == (
        f"model {target!r}: expected FILE.py:Class or package.module:Class"
    )


def test_class_from_a_file(model_file):
    cls = load_model_class(f"{model_file}:Alpha")
    assert cls.__name__ == "Alpha"
    stem = os.path.splitext(os.path.basename(model_file))[0]
    # Imported under a name of its own, not as __main__, with its folder
    # on sys.path (so it can import modules beside it).
    assert cls.__module__ == f"_utopya_backend_run_{stem}"
    assert sys.modules[cls.__module__].__file__ == model_file
    assert sys.path[0] == os.path.dirname(model_file)


def test_relative_file_and_folder_on_path(
    tmp_path, monkeypatch, clean_imports
):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "helper.py").write_text("RATE = 0.25\n")
    (tmp_path / "sub" / "relmodel.py").write_text(
        "from helper import RATE\n" + MODEL
    )
    monkeypatch.chdir(tmp_path)
    cls = load_model_class("sub/relmodel.py:Stepper")
    assert sys.modules[cls.__module__].RATE == 0.25
    assert sys.path.count(str(tmp_path / "sub")) == 1
    # The folder is put on sys.path once.
    load_model_class("sub/relmodel.py:Alpha")
    assert sys.path.count(str(tmp_path / "sub")) == 1


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.py")
    with pytest.raises(RunnerError) as exc:
        load_model_class(f"{path}:M")
    assert str(exc.value) == f"{path}: no such file"


def test_file_that_is_no_python_module(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text(MODEL)
    with pytest.raises(RunnerError) as exc:
        load_model_class(f"{path}:Stepper")
    assert str(exc.value) == (f"{path}: cannot be imported as a Python module")


def test_missing_class_lists_the_files_models(model_file):
    target = f"{model_file}:Gamma"
    with pytest.raises(RunnerError) as exc:
        load_model_class(target)
    # Its own model classes, sorted; not the imported base classes.
    assert str(exc.value) == (
        f"model {target!r}: no class 'Gamma'; its models: Alpha, Stepper"
    )


def test_missing_class_in_a_module_without_models(tmp_path, clean_imports):
    path = tmp_path / "nomodels.py"
    path.write_text("from utopya_backend import StepwiseModel\nX = 1\n")
    target = f"{path}:M"
    with pytest.raises(RunnerError) as exc:
        load_model_class(target)
    assert str(exc.value) == f"model {target!r}: no class 'M'"


@pytest.mark.parametrize("name", ["NotAModel", "sys"])
def test_not_a_model_class(model_file, name):
    target = f"{model_file}:{name}"
    with pytest.raises(RunnerError) as exc:
        load_model_class(target)
    assert str(exc.value) == (
        f"model {target!r}: {name} is not a utopya_backend model (a "
        "subclass of BaseModel or StepwiseModel)"
    )


def test_package_module_from_the_working_directory(
    tmp_path, monkeypatch, clean_imports
):
    pkg = tmp_path / "mutpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "walk.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    sys.path[:] = [p for p in sys.path if p not in ("", str(tmp_path))]
    cls = load_model_class("mutpkg.walk:Stepper")
    assert cls.__module__ == "mutpkg.walk"
    assert sys.path[0] == str(tmp_path)


def test_unknown_module(tmp_path, monkeypatch, clean_imports):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunnerError) as exc:
        load_model_class("no_such_pkg.sub:M")
    assert str(exc.value) == (
        "model 'no_such_pkg.sub:M': no module named 'no_such_pkg' (give a "
        "FILE.py or an importable package.module)"
    )


def test_missing_import_inside_the_module_is_passed_on(
    tmp_path, monkeypatch, clean_imports
):
    (tmp_path / "brokenimp.py").write_text("import no_such_dependency\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModuleNotFoundError) as exc:
        load_model_class("brokenimp:M")
    assert exc.value.name == "no_such_dependency"


# .. running ..................................................................


def test_run_writes_config_and_output(model_file, tmp_path, capsys):
    out = tmp_path / "out"
    target = f"{model_file}:Stepper"
    assert run_model(target, sets=["num_steps=5"], out=str(out)) == 0
    stdout, stderr = capsys.readouterr()
    cfg_path = out / "config.yml"
    assert stderr.splitlines()[0] == (
        f"Running {target} as model 'Stepper'; config: {cfg_path}"
    )
    data = out / "data.h5"
    assert stdout.endswith(f"\nOutput written to: {data}\n")
    # No timing table: the model is not benchmarked.
    assert "Timings" not in stdout
    cfg = yaml.safe_load(cfg_path.read_text())
    assert cfg["output_path"] == str(data)
    assert cfg["output_dir"] == str(out)
    assert cfg["num_steps"] == 5
    with h5py.File(data, "r") as f:
        assert list(f["Stepper/x"][:]) == [0, 1, 2, 3, 4, 5]


def test_config_keeps_the_key_order(model_file, tmp_path):
    out = tmp_path / "out"
    run_model(f"{model_file}:Stepper", out=str(out))
    text = (out / "config.yml").read_text()
    keys = [ln.split(":")[0] for ln in text.splitlines() if ln[:1].isalpha()]
    assert keys[:2] == ["root_model_name", "seed"]
    assert keys[-2:] == ["output_dir", "output_path"]


def test_tagged_values_are_written_so_they_load_back(
    model_file, tmp_path, capsys
):
    cfg = _cfg(
        tmp_path,
        "r: !range [0, 10, 3]\ns: !slice [1, 8]\na: !array [[1, 2], [3, 4]]\n"
        "f: !array 2.5\n",
    )
    out = tmp_path / "out"
    run_model(f"{model_file}:Stepper", cfg_file=cfg, out=str(out))
    text = (out / "config.yml").read_text()
    assert "r: !range [0, 10, 3]" in text
    assert "s: !slice [1, 8, null]" in text
    back = load_cfg_file(str(out / "config.yml"))["Stepper"]
    assert back["r"] == range(0, 10, 3)
    assert back["s"] == slice(1, 8)
    assert back["a"] == [[1, 2], [3, 4]]
    assert back["f"] == 2.5


def test_unwritable_value_is_a_runner_error(model_file, tmp_path, monkeypatch):
    def with_object(cls, **kw):
        root = build_root_cfg(cls, **kw)
        root["obj"] = object()
        return root

    monkeypatch.setattr(runner, "build_root_cfg", with_object)
    with pytest.raises(RunnerError) as exc:
        run_model(f"{model_file}:Stepper", out=str(tmp_path / "o"))
    assert str(exc.value).startswith("cannot write the config: ")


@pytest.mark.parametrize("leave, code", [(3, 3), ("stop", 1)])
def test_exit_code_of_a_stopped_run(model_file, tmp_path, leave, code):
    out = tmp_path / "out"
    target = f"{model_file}:Stepper"
    assert run_model(target, sets=[f"leave={leave}"], out=str(out)) == code


def test_refused_config_removes_the_empty_run(model_file, tmp_path, capsys):
    out = tmp_path / "out"
    target = f"{model_file}:Stepper"
    with pytest.raises(ValueError, match="num_steps"):
        run_model(target, sets=["num_steps=-3"], out=str(out))
    assert not out.exists()
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"No output was written; removed the run directory {out}"
    )


def test_refused_config_keeps_a_directory_with_more_in_it(
    model_file, tmp_path, capsys, monkeypatch
):
    """Files put beside the config are not deleted, nor is the config."""
    out = tmp_path / "out"

    def extra_file(o, name):
        path = runner_new_out_dir(o, name)
        open(os.path.join(path, "notes.txt"), "w").close()
        return path

    runner_new_out_dir = runner._new_out_dir
    monkeypatch.setattr(runner, "_new_out_dir", extra_file)
    with pytest.raises(ValueError):
        run_model(f"{model_file}:Stepper", sets=["num_steps=-3"], out=str(out))
    assert sorted(os.listdir(out)) == ["config.yml", "notes.txt"]
    assert "removed" not in capsys.readouterr().err


def test_failure_after_the_file_exists_keeps_the_run(
    model_file, tmp_path, capsys
):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="bad config value"):
        run_model(f"{model_file}:Stepper", sets=["fail=init"], out=str(out))
    assert sorted(os.listdir(out)) == ["config.yml", "data.h5"]
    assert "removed" not in capsys.readouterr().err


def test_benchmarked_run_prints_its_timings(tmp_path, capsys, clean_imports):
    path = tmp_path / "benchmodel.py"
    path.write_text(
        "import _models\n" "class BW(_models.BenchWalker):\n    pass\n"
    )
    out = tmp_path / "out"
    run_model(f"{path}:BW", sets=["num_steps=3"], out=str(out))
    stdout = capsys.readouterr().out
    _, table = stdout.split("\nTimings of BW:\n")
    table, tail = table.split("\n\nOutput written to: ")
    assert tail == f"{out / 'data.h5'}\n"
    assert "full_iteration" in table and "simulation" in table
    cfg = yaml.safe_load((out / "config.yml").read_text())
    assert cfg["BW"]["benchmark"] == dict(show_on_exit=False)


def test_benchmarked_run_without_timings_prints_no_table(
    tmp_path, capsys, clean_imports
):
    path = tmp_path / "notimes.py"
    path.write_text(
        "import _models\n" "class BW(_models.BenchWalker):\n    pass\n"
    )
    sets = ["num_steps=2", "benchmark.enabled=false"]
    run_model(f"{path}:BW", sets=sets, out=str(tmp_path / "o"))
    assert "Timings" not in capsys.readouterr().out


# .. the output directory .....................................................


def test_default_output_directory(model_file, runs_dir, capsys):
    run_model(f"{model_file}:Alpha", sets=["num_steps=1"])
    base = os.path.join(runs_dir, "utopya-backend-runs")
    (made,) = os.listdir(base)
    name, day, clock, _rest = made.split("-", 3)
    assert name == "Alpha"
    assert len(day) == 8 and day.isdigit() and len(clock) == 6
    assert capsys.readouterr().out.endswith(
        f"Output written to: {os.path.join(base, made, 'data.h5')}\n"
    )
    # A second run gets a directory of its own.
    run_model(f"{model_file}:Alpha", sets=["num_steps=1"])
    assert len(os.listdir(base)) == 2


def test_out_is_expanded_and_absolute(model_file, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    run_model(f"{model_file}:Alpha", sets=["num_steps=1"], out="~/a/b")
    assert (tmp_path / "home" / "a" / "b" / "data.h5").is_file()
    run_model(f"{model_file}:Alpha", sets=["num_steps=1"], out="rel")
    cfg = yaml.safe_load((tmp_path / "rel" / "config.yml").read_text())
    assert cfg["output_dir"] == str(tmp_path / "rel")


def test_out_errors(model_file, tmp_path):
    target = f"{model_file}:Alpha"
    with pytest.raises(RunnerError) as exc:
        run_model(target, out=str(tmp_path))
    assert str(exc.value) == (
        f"--out {tmp_path}: exists already; choose a new directory"
    )
    (tmp_path / "file").write_text("")
    below = str(tmp_path / "file" / "out")
    with pytest.raises(RunnerError) as exc:
        run_model(target, out=below)
    assert (
        str(exc.value) == f"--out {below}: cannot create it (Not a directory)"
    )


def test_numpy_scalars_are_written_as_numbers(
    model_file, tmp_path, monkeypatch
):
    def with_numpy(cls, **kw):
        root = build_root_cfg(cls, **kw)
        root[root["root_model_name"]]["n"] = np.int64(4)
        return root

    monkeypatch.setattr(runner, "build_root_cfg", with_numpy)
    out = tmp_path / "out"
    run_model(f"{model_file}:Stepper", sets=["num_steps=1"], out=str(out))
    assert "  n: 4\n" in (out / "config.yml").read_text()


# .. more targets and config edges ............................................


def test_target_path_with_a_colon(tmp_path, clean_imports):
    """The class is after the last colon (a Windows drive letter or a
    folder name may hold one)."""
    folder = tmp_path / "a:b"
    folder.mkdir()
    (folder / "colonmodel.py").write_text(MODEL)
    cls = load_model_class(f"{folder / 'colonmodel.py'}:Alpha")
    assert cls.__name__ == "Alpha"


def test_relative_file_without_a_folder(tmp_path, monkeypatch, clean_imports):
    (tmp_path / "plainfile.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    cls = load_model_class("plainfile.py:Alpha")
    assert sys.modules[cls.__module__].__file__ == str(
        tmp_path / "plainfile.py"
    )


def test_working_directory_is_not_added_twice(
    tmp_path, monkeypatch, clean_imports
):
    """With ``""`` (the working directory) on sys.path, as under ``python
    -m``, the runner adds nothing."""
    pkg = tmp_path / "mutpkg2"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "walk.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    sys.path[:] = [""] + [p for p in sys.path if p != str(tmp_path)]
    before = list(sys.path)
    assert load_model_class("mutpkg2.walk:Alpha").__name__ == "Alpha"
    assert sys.path == before


def test_parse_set_unreadable_characters():
    # A control character: PyYAML's reader refuses it (an error without
    # a "problem" text).
    with pytest.raises(RunnerError) as exc:
        parse_set("a=\x01")
    assert str(exc.value) == (
        "--set 'a=\\x01': the value is not valid YAML (ReaderError)"
    )


def test_complete_run_config_that_lacks_the_models_entry(tmp_path):
    path = _cfg(tmp_path, "root_model_name: W\nseed: 3\n")
    root = build_root_cfg(Walker, cfg_file=path)
    assert root["W"] == {} and root["seed"] == 3


def test_set_below_a_root_value_names_the_item():
    with pytest.raises(RunnerError) as exc:
        build_root_cfg(Walker, sets=["log_levels.model.x=1"])
    assert str(exc.value) == (
        "--set 'log_levels.model.x=1': log_levels.model is 'info', not a "
        "mapping"
    )


def test_exit_code_is_what_run_returns(tmp_path, capsys, clean_imports):
    path = tmp_path / "codemodel.py"
    path.write_text(
        MODEL + "\nclass Coded(Stepper):\n"
        "    def run(self):\n"
        "        super().run()\n"
        "        return 130\n"
    )
    out = str(tmp_path / "o")
    assert run_model(f"{path}:Coded", sets=["num_steps=1"], out=out) == 130
