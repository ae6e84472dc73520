"""Bad config input: a clear first line, and no output file left behind."""

from __future__ import annotations

import inspect
import os

import h5py
import pytest
import yaml
from _models import BenchWalker, Walker, output_path

from utopya_backend import ModelBenchmarkMixin
from utopya_backend.bench._bench_options import (
    BENCHMARK_KEYS,
    INFO_KWARGS_KEYS,
)
from utopya_backend.model._config import defaults
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


# .. Seeds (issue 10, item 11) ................................................


@pytest.mark.parametrize(
    "override, key, shown",
    [
        (dict(seed=-1), "seed", "-1"),
        # seed + 1 seeds numpy.random, whose legacy seed is 0..2**32-1
        (dict(seed=2**32 - 1), "seed", "4294967295"),
        (dict(seed=2**32 - 1, seed_numpy_rng=True), "seed", "4294967295"),
        (dict(seed_numpy_rng=-1), "seed_numpy_rng", "-1"),
        (dict(seed_numpy_rng=2**32), "seed_numpy_rng", "4294967296"),
        (dict(seed_system_rng=1.5), "seed_system_rng", "1.5"),
    ],
)
def test_seeds_out_of_range_are_config_errors(make_cfg, override, key, shown):
    cfg = make_cfg(**override)
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert f"'{key}'" in line and shown in line
    assert os.path.basename(cfg) in line and "expected" in line
    assert not os.path.exists(output_path(cfg))


@pytest.mark.parametrize(
    "override",
    [
        dict(seed=0),
        dict(seed=2**32 - 2),  # seed + 1 is the largest legacy seed
        dict(seed=2**32 - 1, seed_numpy_rng=False),
        dict(seed=2**64, seed_numpy_rng=None),  # default_rng takes any
        dict(seed=2**32 - 1, seed_numpy_rng=2**32 - 1),
        dict(seed=5, seed_system_rng=-3),  # random.seed takes any int
        dict(seed=2**40, seed_numpy_rng=7, seed_system_rng=True),
    ],
)
def test_seeds_in_range_are_accepted(make_cfg, override):
    m = Walker(cfg_file_path=make_cfg(**override))
    assert m.run() == 0


# .. log levels (issue 14, item 8) ............................................


def test_log_level_error_lists_the_valid_names(make_cfg):
    cfg = make_cfg(log_levels=dict(model="loud"))
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=cfg)
    line = first_line(err.value)
    for name in ("trace", "debug", "info", "warning", "error", "critical"):
        assert name in line


# .. benchmark options (issue 10, items 12 and 13) ............................


@pytest.mark.parametrize(
    "bench, key, shown",
    [
        (dict(enabled="false"), "enabled", "'false'"),
        (dict(write="false"), "write", "'false'"),
        (dict(show_on_exit="no"), "show_on_exit", "'no'"),
        (dict(add_to_monitor=1), "add_to_monitor", "1"),
        (dict(enabled=None), "enabled", "None"),
        (dict(info_fstr="{nope}"), "info_fstr", "'{nope}'"),
        (dict(info_fstr="{name:d}"), "info_fstr", "'{name:d}'"),
        (dict(info_fstr="{0}"), "info_fstr", "'{0}'"),
        (dict(info_fstr="{name"), "info_fstr", "'{name'"),
        (dict(info_fstr="{name.x}"), "info_fstr", "'{name.x}'"),
        (
            dict(info_fstr="{name} {extra}", info_kwargs=dict(other=1)),
            "info_fstr",
            "'{name} {extra}'",
        ),
        (dict(info_kwargs=dict(name="x")), "info_kwargs", "'name'"),
        (dict(info_kwargs=dict(sort="yes")), "info_kwargs.sort", "'yes'"),
        (dict(info_kwargs=dict(width=-3)), "info_kwargs.width", "-3"),
    ],
)
def test_benchmark_option_values_are_checked(
    use_impl, make_cfg, bench, key, shown
):
    cfg = make_cfg(model=dict(benchmark=bench))
    with pytest.raises(ConfigError) as err:
        BenchWalker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert f"'MyModel.benchmark.{key}'" in line and shown in line
    assert os.path.basename(cfg) in line
    assert not os.path.exists(output_path(cfg))


def test_every_documented_info_key_and_info_kwargs_are_accepted(
    use_impl, make_cfg, caplog
):
    fstr = (
        "{name:>{w}s}|{seconds:.3f}|{time_str}|{max_seconds:.1f}|"
        "{percent_of_max:5.1f}|{count}|{mean:.2e}|{extra}"
    )
    cfg = make_cfg(
        model=dict(
            benchmark=dict(
                info_fstr=fstr,
                info_kwargs=dict(extra="X", sort=True, width=20),
            )
        ),
        log_levels=dict(model="info"),
    )
    m = BenchWalker(cfg_file_path=cfg)
    with caplog.at_level("INFO"):
        assert m.run() == 0
    assert "|X" in caplog.text and "          simulation|" in caplog.text


def test_unknown_benchmark_option_is_a_config_error(make_cfg):
    cfg = make_cfg(model=dict(benchmark=dict(enable=False)))
    with pytest.raises(ConfigError) as err:
        BenchWalker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert "'MyModel.benchmark'" in line and "'enable'" in line
    assert "enabled" in line and os.path.basename(cfg) in line
    assert not os.path.exists(output_path(cfg))


# .. Config file encoding (issue 10, item 15) .................................


def test_non_utf8_config_names_file_and_line(tmp_path):
    cfg = tmp_path / "latin1.yml"
    cfg.write_bytes(b"root_model_name: M\n# caf\xe9\nseed: 1\n")
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=str(cfg))
    line = first_line(err.value)
    assert str(cfg) in line and "line 2" in line and "UTF-8" in line
    assert isinstance(err.value, ValueError)


# .. The option tables and what reads them (issue 12, item 2) .................


def _keyword_defaults(func):
    params = inspect.signature(func).parameters.values()
    return {
        p.name: p.default
        for p in params
        if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
    }


def test_benchmark_table_defaults_are_the_signature_defaults():
    """Documented defaults (the signature) and checked defaults (the
    table) are one set, in the same order."""
    sig = _keyword_defaults(ModelBenchmarkMixin._configure_benchmark)
    table = defaults(BENCHMARK_KEYS)
    assert list(sig.items()) == list(table.items())
    fmt = _keyword_defaults(ModelBenchmarkMixin.format_elapsed_info)
    assert fmt == defaults(INFO_KWARGS_KEYS)


def test_options_a_subclass_adds_reach_its_configure_benchmark(make_cfg):
    seen = {}

    class Extended(BenchWalker):
        def _configure_benchmark(self, *, label: str = "x", **opts):
            seen.update(opts, label=label)
            super()._configure_benchmark(**opts)

    cfg = make_cfg(model=dict(benchmark=dict(label="y", compression=0)))
    Extended(cfg_file_path=cfg).run()
    # Given options only: the rest keep the signature's defaults.
    assert seen == dict(label="y", compression=0)
    with h5py.File(output_path(cfg), "r") as f:
        assert f["MyModel/benchmark/total"].compression_opts == 0


def test_output_path_with_a_tilde_is_expanded_once(
    make_cfg, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    cfg = make_cfg(output_path="~/out.h5")
    Walker(cfg_file_path=cfg).run()
    assert (home / "out.h5").is_file()
    with pytest.raises(FileExistsError, match=str(home / "out.h5")):
        Walker(cfg_file_path=cfg)


def test_root_values_leave_the_users_config_as_loaded(make_cfg):
    cfg = make_cfg(model=dict(benchmark=dict(enabled=True)))
    m = BenchWalker(cfg_file_path=cfg)
    assert m.root_cfg["MyModel"]["benchmark"] == dict(enabled=True)
    assert "benchmark" not in m.cfg
    assert m.root_cfg["output_path"] == output_path(cfg)


def test_extra_options_of_a_subclass_without_star_star_are_accepted(
    make_cfg,
):
    seen = {}

    class Labelled(BenchWalker):
        def _configure_benchmark(self, label="x", **opts):
            seen["label"] = label
            super()._configure_benchmark(**opts)

    Labelled(cfg_file_path=make_cfg(model=dict(benchmark=dict(label="y"))))
    assert seen == dict(label="y")


def test_info_kwargs_keys_must_be_strings(make_cfg):
    cfg = make_cfg(model=dict(benchmark=dict(info_kwargs={1: "x"})))
    with pytest.raises(ConfigError) as err:
        BenchWalker(cfg_file_path=cfg)
    line = first_line(err.value)
    assert "'MyModel.benchmark.info_kwargs'" in line and "string keys" in line
    assert not os.path.exists(output_path(cfg))


def test_root_keys_are_checked_even_if_a_subclass_skips_super(make_cfg):
    class Careless(Walker):
        def _check_root_cfg(self, root_cfg):
            pass

    with pytest.raises(ConfigError, match="'seed'"):
        Careless(cfg_file_path=make_cfg(seed=-1))
    assert Careless(cfg_file_path=make_cfg()).run() == 0
