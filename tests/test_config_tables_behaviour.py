"""Config tables: root keys and ``benchmark`` options, as a user sees them.

Each bad entry's error is checked on its whole first line (key path, value,
file and what was expected); good entries at the limits are accepted, and
parsed values and defaults reach the model and its output file.
"""

from __future__ import annotations

import logging
import os
import random

import h5py
import numpy as np
import pytest
from _models import BenchWalker, Walker, output_path

from utopya_backend import LOG_LEVELS
from utopya_backend.logging import backend_logger
from utopya_backend.model import _config
from utopya_backend.tools import ConfigError


def first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0]


def refused(cfg: str, model=BenchWalker, exc_type=ConfigError) -> str:
    with pytest.raises(exc_type) as err:
        model(cfg_file_path=cfg)
    assert not os.path.exists(output_path(cfg))
    return first_line(err.value)


# .. benchmark options ........................................................

BENCH = "MyModel.benchmark"


@pytest.mark.parametrize(
    "bench, key, shown, expected",
    [
        (dict(compression=10), "compression", "10", "an int from 0 to 9"),
        (dict(compression=-1), "compression", "-1", "an int from 0 to 9"),
        (dict(compression=True), "compression", "True", "an int from 0 to 9"),
        (
            dict(dtype="float33"),
            "dtype",
            "'float33'",
            "one of float16, float32, float64",
        ),
        (
            dict(dtype=32),
            "dtype",
            "32",
            "one of float16, float32, float64",
        ),
        (dict(info_kwargs=5), "info_kwargs", "5", "a mapping"),
        (dict(info_kwargs=["sort"]), "info_kwargs", "['sort']", "a mapping"),
        (dict(info_fstr=5), "info_fstr", "5", "a format string"),
        (
            dict(group_name="a/b"),
            "group_name",
            "'a/b'",
            "a non-empty name without '/'",
        ),
        (
            dict(group_name=""),
            "group_name",
            "''",
            "a non-empty name without '/'",
        ),
        (dict(enabled="yes"), "enabled", "'yes'", "true or false (a boolean)"),
        (
            dict(info_kwargs=dict(width=-1)),
            "info_kwargs.width",
            "-1",
            "null or an int >= 0",
        ),
        (
            dict(info_kwargs=dict(width="wide")),
            "info_kwargs.width",
            "'wide'",
            "null or an int >= 0",
        ),
        (
            dict(info_kwargs=dict(ms_precision=-1)),
            "info_kwargs.ms_precision",
            "-1",
            "an int >= 0",
        ),
        (
            dict(info_kwargs=dict(sort=1)),
            "info_kwargs.sort",
            "1",
            "true or false (a boolean)",
        ),
    ],
)
def test_bad_benchmark_option_error_lines(
    make_cfg, bench, key, shown, expected
):
    cfg = make_cfg(model=dict(benchmark=bench))
    assert refused(cfg) == (
        f"Invalid value {shown} for key '{BENCH}.{key}' in config file "
        f"{cfg}: expected {expected}"
    )


SAMPLE_KEYS = (
    "name, seconds, time_str, w, max_seconds, percent_of_max, " "count, mean"
)


@pytest.mark.parametrize(
    "bench, key, shown, expected",
    [
        ("fast", "", "'fast'", "a mapping"),
        (
            dict(group_name=5),
            ".group_name",
            "5",
            "a non-empty name without '/'",
        ),
        (
            dict(info_kwargs=dict(count=2)),
            ".info_kwargs",
            "'count'",
            "extra format keys other than the built-in ones: " + SAMPLE_KEYS,
        ),
        (
            dict(info_fstr="{name} {extra}", info_kwargs=dict(other=1)),
            ".info_fstr",
            "'{name} {extra}'",
            f"a format string with the keys {SAMPLE_KEYS}, other "
            "(KeyError: 'extra')",
        ),
        (
            dict(info_fstr="{seconds:d}"),
            ".info_fstr",
            "'{seconds:d}'",
            f"a format string with the keys {SAMPLE_KEYS} (ValueError: "
            "Unknown format code 'd' for object of type 'float')",
        ),
    ],
)
def test_bad_benchmark_entry_error_lines(
    make_cfg, bench, key, shown, expected
):
    cfg = make_cfg(model=dict(benchmark=bench))
    assert refused(cfg) == (
        f"Invalid value {shown} for key '{BENCH}{key}' in config file "
        f"{cfg}: expected {expected}"
    )


def test_unknown_benchmark_option_error_line(make_cfg):
    cfg = make_cfg(model=dict(benchmark=dict(enable=False)))
    assert refused(cfg) == (
        f"Invalid option 'enable' for key '{BENCH}' in config file {cfg}; "
        "valid options: enabled, show_on_exit, add_to_monitor, write, "
        "group_name, compression, dtype, info_fstr, info_kwargs"
    )


def test_info_kwargs_keys_that_are_no_strings_are_named(make_cfg):
    cfg = make_cfg(model=dict(benchmark=dict(info_kwargs={1: "x"})))
    assert refused(cfg) == (
        f"Invalid value 1 for key '{BENCH}.info_kwargs' in config file "
        f"{cfg}: expected string keys"
    )


def test_a_format_given_in_info_kwargs_is_checked_under_its_key(make_cfg):
    cfg = make_cfg(
        model=dict(benchmark=dict(info_kwargs=dict(info_fstr="{nope}")))
    )
    assert refused(cfg).startswith(
        f"Invalid value '{{nope}}' for key '{BENCH}.info_kwargs.info_fstr' "
        f"in config file {cfg}: expected a format string with the keys "
        "name, seconds, time_str, w, max_seconds, percent_of_max, count, "
        "mean (KeyError: "
    )


def test_a_format_given_in_info_kwargs_reaches_the_summary(make_cfg, caplog):
    cfg = make_cfg(
        model=dict(
            benchmark=dict(
                info_fstr="{nope}",  # replaced by the one in info_kwargs
                info_kwargs=dict(info_fstr="[{name}]"),
            )
        ),
        log_levels=dict(model="info"),
    )
    m = BenchWalker(cfg_file_path=cfg)
    with caplog.at_level("INFO"):
        assert m.run() == 0
    assert "[simulation]" in caplog.text


@pytest.mark.parametrize("level", [0, 9])
def test_compression_limits_reach_the_output(make_cfg, level):
    cfg = make_cfg(model=dict(benchmark=dict(compression=level)))
    m = BenchWalker(cfg_file_path=cfg)
    assert m.run() == 0
    with h5py.File(output_path(cfg), "r") as f:
        dset = f["MyModel/benchmark/total"]
        assert dset.compression == "gzip"
        assert dset.compression_opts == level


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_dtype_choice_reaches_the_output(make_cfg, dtype):
    cfg = make_cfg(model=dict(benchmark=dict(dtype=dtype, group_name="t")))
    m = BenchWalker(cfg_file_path=cfg)
    assert m.run() == 0
    with h5py.File(output_path(cfg), "r") as f:
        assert f["MyModel/t/total"].dtype == np.dtype(dtype)


def test_benchmark_defaults_take_effect(make_cfg):
    cfg = make_cfg(model=dict(benchmark=None))
    m = BenchWalker(cfg_file_path=cfg)
    assert m.run() == 0
    with h5py.File(output_path(cfg), "r") as f:
        dset = f["MyModel/benchmark/total"]
        assert dset.dtype == np.dtype("float32")
        assert dset.compression == "gzip" and dset.compression_opts == 3


def test_null_width_and_extra_format_keys_reach_the_summary(make_cfg, caplog):
    cfg = make_cfg(
        model=dict(
            benchmark=dict(
                info_fstr="<{name}|{tag}>",
                info_kwargs=dict(width=None, tag="T", ms_precision=0),
            )
        ),
        log_levels=dict(model="info"),
    )
    m = BenchWalker(cfg_file_path=cfg)
    with caplog.at_level("INFO"):
        assert m.run() == 0
    assert "<simulation|T>" in caplog.text


# .. root keys ................................................................


def test_output_path_with_a_tilde_reaches_the_model(make_cfg, monkeypatch):
    home = os.path.dirname(output_path(make_cfg()))
    monkeypatch.setenv("HOME", home)
    cfg = make_cfg(output_path="~/tilde.h5")
    m = Walker(cfg_file_path=cfg)
    assert m.run() == 0
    assert os.path.isfile(os.path.join(home, "tilde.h5"))
    assert not os.path.exists("~/tilde.h5")


def test_seed_reaches_every_rng_by_default(make_cfg):
    m = Walker(cfg_file_path=make_cfg(seed=7))
    assert m.rng.integers(2**62) == np.random.default_rng(7).integers(2**62)
    got_np, got_py = np.random.randint(2**31), random.random()
    np.random.seed(8)  # seed + 1
    random.seed(9)  # seed + 2
    assert (got_np, got_py) == (np.random.randint(2**31), random.random())


def test_integer_seed_options_seed_the_global_rngs(make_cfg):
    Walker(
        cfg_file_path=make_cfg(seed=7, seed_numpy_rng=11, seed_system_rng=12)
    )
    got_np, got_py = np.random.randint(2**31), random.random()
    np.random.seed(11)
    random.seed(12)
    assert (got_np, got_py) == (np.random.randint(2**31), random.random())


@pytest.fixture
def backend_level():
    """Restore the backend logger's level (the root logger's) afterwards."""
    old = backend_logger.level
    yield
    backend_logger.setLevel(old)


def test_log_levels_reach_the_loggers(make_cfg, backend_level):
    cfg = make_cfg(log_levels=dict(model="debug", backend="error"))
    m = Walker(cfg_file_path=cfg)
    assert m.log.getEffectiveLevel() == logging.DEBUG
    assert backend_logger.level == logging.ERROR


def test_null_backend_level_leaves_the_backend_logger_alone(
    make_cfg, backend_level
):
    backend_logger.setLevel(logging.CRITICAL)
    m = Walker(
        cfg_file_path=make_cfg(log_levels=dict(model="info", backend=None))
    )
    assert backend_logger.level == logging.CRITICAL
    assert m.log.getEffectiveLevel() == logging.INFO


@pytest.mark.parametrize(
    "levels, key, shown",
    [
        # the config file lists them in this (sorted) order
        (dict(backend=None, model="loud"), "model", "'loud'"),
        (dict(aaa=1, backend="loud", model="info"), "backend", "'loud'"),
        (dict(backend="info", model=3), "model", "3"),
    ],
)
def test_every_log_level_is_checked_after_ignored_entries(
    make_cfg, levels, key, shown
):
    cfg = make_cfg(log_levels=levels)
    assert refused(cfg, model=Walker) == (
        f"Invalid value {shown} for key 'log_levels.{key}' in config file "
        f"{cfg}: expected a log level name, one of: " + ", ".join(LOG_LEVELS)
    )


def test_output_path_errors_name_the_path_and_file(make_cfg, tmp_path):
    cfg = make_cfg(output_path=str(tmp_path / "no" / "out.h5"))
    with pytest.raises(FileNotFoundError) as err:
        Walker(cfg_file_path=cfg)
    assert str(err.value) == (
        f"Invalid value {str(tmp_path / 'no' / 'out.h5')!r} for key "
        f"'output_path' in config file {cfg}: its directory "
        f"{tmp_path / 'no'} does not exist"
    )
    taken = tmp_path / "taken.h5"
    taken.write_bytes(b"")
    cfg = make_cfg(output_path=str(taken))
    with pytest.raises(FileExistsError) as err:
        Walker(cfg_file_path=cfg)
    assert str(err.value) == (
        f"Invalid value {str(taken)!r} for key 'output_path' in config file "
        f"{cfg}: the file exists already (it is never overwritten)"
    )
    assert taken.read_bytes() == b""


# .. the table helpers, for tables of other levels ............................


def test_check_keys_names_the_key_path_of_a_nested_level():
    table = (
        _config.Key("needed", _config.check_str),
        _config.Key("size", _config.check_int, 4),
    )
    assert _config.check_keys(table, {"needed": "x"}, "c.yml") == dict(
        needed="x", size=4
    )
    with pytest.raises(_config.MissingConfigKeyError) as err:
        _config.check_keys(table, {"size": 1}, "c.yml", prefix="m.sub.")
    assert str(err.value) == (
        "Missing required key 'm.sub.needed' in config file c.yml"
    )
    with pytest.raises(ConfigError) as err:
        _config.check_keys(table, [1], "c.yml", prefix="m.sub.")
    assert str(err.value) == (
        "Invalid value [1] for key 'm.sub' in config file c.yml: "
        "expected a mapping"
    )
    assert _config.defaults(table) == dict(size=4)


def test_require_keeps_the_last_letter_of_the_key_path():
    with pytest.raises(ConfigError) as err:
        _config.require(5, "a", "c.yml", prefix="BOX.")
    assert str(err.value) == (
        "Invalid value 5 for key 'BOX' in config file c.yml: "
        "expected a mapping"
    )


def test_check_optional_accepts_null_and_keeps_its_own_message():
    check = _config.check_optional(_config.check_str, "null or a name")
    assert check("k.name", None, "c.yml") is None
    assert check("k.name", "ok", "c.yml") == "ok"
    with pytest.raises(ConfigError) as err:
        check("k.name", "", "c.yml")
    assert str(err.value) == (
        "Invalid value '' for key 'k.name' in config file c.yml: "
        "expected null or a name"
    )
    assert err.value.__cause__ is None and err.value.__suppress_context__
