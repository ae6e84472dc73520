"""Bad config input: a clear first line, and no output file left behind."""

from __future__ import annotations

import os

import pytest
import yaml
from _models import BenchWalker, Walker, output_path

from utopya_backend.tools import ConfigError


def first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0]


@pytest.mark.parametrize(
    "key",
    [
        "root_model_name",
        "output_path",
        "seed",
        "monitor_emit_interval",
        "log_levels",
        "num_steps",
    ],
)
def test_missing_required_key(make_cfg, key):
    cfg = make_cfg(drop=(key,))
    with pytest.raises((KeyError, ValueError)) as err:
        Walker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert f"'{key}'" in line and os.path.basename(cfg) in line
    if key != "output_path":
        assert not os.path.exists(output_path(cfg))


def test_missing_key_error_is_keyerror_and_valueerror(make_cfg):
    with pytest.raises(KeyError) as err:
        Walker(cfg_file_path=make_cfg(drop=("seed",)))
    assert isinstance(err.value, ValueError)
    assert str(err.value).startswith("Missing required key 'seed'")


@pytest.mark.parametrize(
    "override, key, shown",
    [
        (dict(num_steps="ten"), "num_steps", "'ten'"),
        (dict(num_steps=-1), "num_steps", "-1"),
        (dict(num_steps=2.5), "num_steps", "2.5"),
        (dict(seed=1.5), "seed", "1.5"),
        (dict(seed=True), "seed", "True"),
        (dict(write_every=0), "write_every", "0"),
        (dict(write_start="a"), "write_start", "'a'"),
        (dict(monitor_emit_interval=-2), "monitor_emit_interval", "-2"),
        (dict(monitor_emit_interval="x"), "monitor_emit_interval", "'x'"),
        (dict(root_model_name=""), "root_model_name", "''"),
        (dict(log_levels=dict(model="loud")), "log_levels.model", "'loud'"),
        (
            dict(log_levels=dict(model="info", backend="verbose")),
            "log_levels.backend",
            "'verbose'",
        ),
        (dict(log_levels="info"), "log_levels", "'info'"),
        (dict(seed_numpy_rng="yes"), "seed_numpy_rng", "'yes'"),
    ],
)
def test_invalid_values_name_key_value_and_file(
    make_cfg, override, key, shown
):
    cfg = make_cfg(**override)
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert f"'{key}'" in line
    assert shown in line
    assert os.path.basename(cfg) in line
    assert not os.path.exists(output_path(cfg))


def test_missing_model_section(make_cfg, tmp_path):
    cfg = make_cfg(name="Forest")
    data = yaml.safe_load(open(cfg))
    del data["Forest"]
    open(cfg, "w").write(yaml.safe_dump(data))
    with pytest.raises(KeyError) as err:
        Walker(cfg_file_path=cfg)
    assert "'Forest'" in first_line(err.value)


def test_model_section_may_be_empty(make_cfg):
    cfg = make_cfg()
    text = open(cfg).read().replace("MyModel: {}", "MyModel:")
    open(cfg, "w").write(text)
    assert Walker(cfg_file_path=cfg).cfg == {}


def test_existing_output_is_never_overwritten(make_cfg):
    cfg = make_cfg()
    with open(output_path(cfg), "w") as f:
        f.write("precious")
    with pytest.raises(FileExistsError) as err:
        Walker(cfg_file_path=cfg)
    assert "'output_path'" in first_line(err.value)
    assert open(output_path(cfg)).read() == "precious"


def test_output_directory_must_exist(make_cfg, tmp_path):
    cfg = make_cfg(output_path=str(tmp_path / "nope" / "out.h5"))
    with pytest.raises(FileNotFoundError) as err:
        Walker(cfg_file_path=cfg)
    assert "nope" in first_line(err.value)


def test_config_file_problems(tmp_path):
    with pytest.raises(FileNotFoundError):
        Walker(cfg_file_path=str(tmp_path / "missing.yml"))

    empty = tmp_path / "empty.yml"
    empty.write_text("")
    with pytest.raises(KeyError, match="root_model_name.*empty.yml"):
        Walker(cfg_file_path=str(empty))

    listing = tmp_path / "list.yml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="list.yml: expected a mapping"):
        Walker(cfg_file_path=str(listing))

    bad = tmp_path / "bad.yml"
    bad.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=str(bad))
    assert "bad.yml" in first_line(err.value)
    assert "line " in first_line(err.value)

    toml = tmp_path / "cfg.toml"
    toml.write_text("a = 1")
    with pytest.raises(ValueError, match="Unsupported loader 'toml'"):
        Walker(cfg_file_path=str(toml))


@pytest.mark.parametrize(
    "bench, key, shown",
    [
        ("fast", "MyModel.benchmark", "'fast'"),
        (dict(dtype="float33"), "MyModel.benchmark.dtype", "'float33'"),
        (dict(compression=12), "MyModel.benchmark.compression", "12"),
        (dict(group_name="a/b"), "MyModel.benchmark.group_name", "'a/b'"),
    ],
)
def test_bad_benchmark_options(make_cfg, bench, key, shown):
    cfg = make_cfg(model=dict(benchmark=bench))
    with pytest.raises(ValueError) as err:
        BenchWalker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert f"'{key}'" in line and shown in line
    assert os.path.basename(cfg) in line
    assert not os.path.exists(output_path(cfg))


def test_unknown_benchmark_option_lists_valid_ones(make_cfg):
    cfg = make_cfg(model=dict(benchmark=dict(enable=False)))
    with pytest.raises(ValueError) as err:
        BenchWalker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert "'enable'" in line and os.path.basename(cfg) in line
    for opt in ("enabled", "show_on_exit", "add_to_monitor", "info_kwargs"):
        assert opt in line
