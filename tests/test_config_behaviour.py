"""Config checks: the whole first line of each error, "expected ..." too.

The first line is what the utopya frontend shows; it names the key, the
bad value and the file, and says what was expected instead.
"""

from __future__ import annotations

import math
import os

import pytest
import yaml
from _models import Walker, output_path

from utopya_backend import LOG_LEVELS
from utopya_backend.model import _config
from utopya_backend.tools import ConfigError


def first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0]


def refused(cfg: str, exc_type=ConfigError) -> str:
    with pytest.raises(exc_type) as err:
        Walker(cfg_file_path=cfg)
    out = output_path(cfg)
    assert not isinstance(out, str) or not os.path.exists(out)
    return first_line(err.value)


SEED_TEXT = (
    "an int from 0 to 4294967294, because seed + 1 seeds numpy.random "
    "(whose seeds end at 2**32 - 1); set seed_numpy_rng to false or to an "
    "int to use larger seeds"
)
NUMPY_SEED_TEXT = (
    "a bool, null or an int from 0 to 4294967295 (the seeds numpy.random "
    "takes)"
)


@pytest.mark.parametrize(
    "override, key, shown, expected",
    [
        # monitor_emit_interval: a finite real number >= 0
        (dict(monitor_emit_interval=True), None, None, "a number >= 0"),
        (dict(monitor_emit_interval=False), None, None, "a number >= 0"),
        (dict(monitor_emit_interval=math.inf), None, None, "a number >= 0"),
        (dict(monitor_emit_interval=-math.inf), None, None, "a number >= 0"),
        (dict(monitor_emit_interval=math.nan), None, None, "a number >= 0"),
        (dict(monitor_emit_interval=-0.5), None, None, "a number >= 0"),
        (dict(monitor_emit_interval="1"), None, None, "a number >= 0"),
        (dict(monitor_emit_interval=None), None, None, "a number >= 0"),
        # root_model_name and output_path: non-empty strings
        (dict(root_model_name=5), None, None, "a non-empty string"),
        (dict(root_model_name=""), None, None, "a non-empty string"),
        (dict(output_path=["a"]), None, None, "a non-empty string"),
        (dict(output_path=""), None, None, "a non-empty string"),
        # num_steps, write_every, write_start: ints (never bools)
        (dict(num_steps=-1), None, None, "an int >= 0"),
        (dict(num_steps=True), None, None, "an int >= 0"),
        (dict(num_steps=1.0), None, None, "an int >= 0"),
        (
            dict(num_steps=2**63 - 1),
            None,
            None,
            "an int from 0 to 2**63 - 2 (num_steps + 1 write times must fit "
            "in int64)",
        ),
        (dict(write_every=0), None, None, "an int >= 1"),
        (dict(write_every=False), None, None, "an int >= 1"),
        (dict(write_start="a"), None, None, "an int"),
        (dict(write_start=True), None, None, "an int"),
        (dict(write_start=1.5), None, None, "an int"),
        # seeds
        (dict(seed=-1), None, None, "an int >= 0"),
        (dict(seed=False), None, None, "an int >= 0"),
        (dict(seed=2**32 - 1), None, None, SEED_TEXT),
        (dict(seed_numpy_rng="yes"), None, None, "a bool, an int or null"),
        (dict(seed_numpy_rng=1.0), None, None, "a bool, an int or null"),
        (dict(seed_system_rng="x"), None, None, "a bool, an int or null"),
        (dict(seed_numpy_rng=-1), None, None, NUMPY_SEED_TEXT),
        (dict(seed_numpy_rng=2**32), None, None, NUMPY_SEED_TEXT),
        # log levels
        (dict(log_levels="info"), None, None, "a mapping"),
        (dict(log_levels=["info"]), None, None, "a mapping"),
        (
            dict(log_levels=dict(model="loud")),
            "log_levels.model",
            "'loud'",
            "a log level name, one of: " + ", ".join(LOG_LEVELS),
        ),
        (
            dict(log_levels=dict(model=10)),
            "log_levels.model",
            "10",
            "a log level name, one of: " + ", ".join(LOG_LEVELS),
        ),
        (
            dict(log_levels=dict(model="info", backend=3)),
            "log_levels.backend",
            "3",
            "a log level name, one of: " + ", ".join(LOG_LEVELS),
        ),
        # the model's own section
        (dict(model=5), "MyModel", None, "a mapping"),
        (dict(model=["a"]), "MyModel", None, "a mapping"),
        (dict(model="x"), "MyModel", None, "a mapping"),
    ],
)
def test_invalid_entries_say_what_was_expected(
    make_cfg, override, key, shown, expected
):
    ((name, value),) = override.items()
    cfg = make_cfg(**override)
    assert refused(cfg) == (
        f"Invalid value {shown or repr(value)} for key '{key or name}' in "
        f"config file {cfg}: expected {expected}"
    )


def test_log_levels_without_model(make_cfg):
    cfg = make_cfg(log_levels=dict(backend="info"))
    with pytest.raises(KeyError) as err:
        Walker(cfg_file_path=cfg)
    assert isinstance(err.value, ValueError)
    assert isinstance(err.value, ConfigError)
    # no quotes around the message, as KeyError would add
    assert str(err.value) == (
        f"Missing required key 'log_levels.model' in config file {cfg}"
    )


def test_missing_model_section_names_it(make_cfg):
    cfg = make_cfg(name="Forest")
    data = yaml.safe_load(open(cfg))
    del data["Forest"]
    open(cfg, "w").write(yaml.safe_dump(data))
    with pytest.raises(KeyError) as err:
        Walker(cfg_file_path=cfg)
    assert str(err.value) == (
        f"Missing required key 'Forest' in config file {cfg}"
    )


def test_top_level_that_is_no_mapping(tmp_path):
    cfg = tmp_path / "list.yml"
    cfg.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError) as err:
        Walker(cfg_file_path=str(cfg))
    assert str(err.value) == (
        f"Invalid config file {cfg}: expected a mapping at its top level, "
        "got list [1, 2]"
    )


@pytest.mark.parametrize(
    "override",
    [
        dict(monitor_emit_interval=0),  # the minimum itself
        dict(monitor_emit_interval=0.0),
        dict(monitor_emit_interval=1e300),
        dict(num_steps=0),
        dict(num_steps=2**63 - 2, write_start=2**62),  # no steps written
        dict(write_every=1, write_start=-3),  # any int
        dict(seed=0, seed_numpy_rng=0),
        dict(seed=2**32 - 2),
        dict(seed=7, seed_numpy_rng=2**32 - 1),
        dict(seed=7, seed_numpy_rng=None, seed_system_rng=None),
        dict(seed=2**33, seed_numpy_rng=False, seed_system_rng=-(2**70)),
        dict(log_levels=dict(model="debug", backend=None)),
        dict(log_levels=dict(model="info", other="whatever")),
        dict(model=None),  # an empty section
    ],
)
def test_valid_entries_are_accepted(make_cfg, override):
    cfg = make_cfg(**override)
    Walker(cfg_file_path=cfg)
    assert os.path.exists(output_path(cfg))


def test_null_model_log_level_is_a_config_error(make_cfg):
    cfg = make_cfg(log_levels=dict(model=None, backend="info"))
    assert refused(cfg) == (
        f"Invalid value None for key 'log_levels.model' in config file "
        f"{cfg}: expected a log level name, one of: " + ", ".join(LOG_LEVELS)
    )


# .. The helpers' own contract ................................................


def test_require_names_the_key_path_and_refuses_non_mappings():
    assert _config.require({"a": None}, "a", "c.yml") is None
    with pytest.raises(_config.MissingConfigKeyError) as err:
        _config.require({}, "b", "c.yml", prefix="x.y.")
    assert (
        str(err.value) == "Missing required key 'x.y.b' in config file c.yml"
    )
    with pytest.raises(ConfigError) as err:
        _config.require([1], "b", "c.yml", prefix="x.y.")
    assert str(err.value) == (
        "Invalid value [1] for key 'x.y' in config file c.yml: "
        "expected a mapping"
    )
    with pytest.raises(ConfigError) as err:
        _config.require(None, "b", "c.yml")
    assert str(err.value) == (
        "Invalid value None for key '<root>' in config file c.yml: "
        "expected a mapping"
    )
    assert str(_config.MissingConfigKeyError()) == ""


def test_check_helpers_return_the_value():
    assert _config.check_int("k", 3, "f") == 3
    assert _config.check_int("k", -3, "f") == -3
    assert _config.check_int("k", 3, "f", minimum=3) == 3
    real = _config.check_real("k", 2, "f", minimum=2)
    assert real == 2.0 and type(real) is float
    assert _config.check_real("k", -1e300, "f") == -1e300
    assert _config.check_str("k", "s", "f") == "s"
    assert _config.check_bool("k", False, "f") is False
    with pytest.raises(ConfigError) as err:
        _config.check_bool("k", 0, "f")
    assert str(err.value) == (
        "Invalid value 0 for key 'k' in config file f: "
        "expected true or false (a boolean)"
    )
    with pytest.raises(ConfigError, match=r": expected a number$"):
        _config.check_real("k", math.inf, "f")
