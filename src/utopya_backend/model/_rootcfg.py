"""The root config every model reads: its keys, checked before any output.

:data:`ROOT_KEYS` is the one place that says which root keys exist, how
each is checked and parsed, and its default; :func:`check_root_cfg` applies
it and returns the parsed values the model uses.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Dict, Tuple

from ..logging import LOG_LEVELS as _LOG_LEVELS
from ..logging import get_level as _get_level
from . import _config
from ._config import Key

__all__ = ["ROOT_KEYS", "check_root_cfg"]


def _check_output_path(key: str, value: Any, cfg_file: str) -> str:
    """A non-empty string, returned with ``~`` expanded."""
    return os.path.expanduser(_config.check_str(key, value, cfg_file))


def _check_log_levels(key: str, levels: Any, cfg_file: str) -> dict:
    """A mapping with a ``model`` level; a null ``backend`` level leaves
    the backend logger as it is. Other entries are ignored."""
    if not isinstance(levels, dict):
        raise _config.invalid(key, levels, cfg_file, "a mapping")
    _config.require(levels, "model", cfg_file, prefix=f"{key}.")
    for name, value in levels.items():
        if name not in ("model", "backend") or (
            name == "backend" and value is None
        ):
            continue
        try:
            _get_level(value)
        except ValueError:
            raise _config.invalid(
                f"{key}.{name}",
                value,
                cfg_file,
                f"a log level name, one of: {', '.join(_LOG_LEVELS)}",
            ) from None
    return levels


ROOT_KEYS: Tuple[Key, ...] = (
    Key("root_model_name", _config.check_str),
    Key("output_path", _check_output_path),
    Key("seed", functools.partial(_config.check_int, minimum=0)),
    Key("seed_numpy_rng", _config.check_seed_option, True),
    Key("seed_system_rng", _config.check_seed_option, True),
    Key(
        "monitor_emit_interval",
        functools.partial(_config.check_real, minimum=0),
    ),
    Key("log_levels", _check_log_levels),
    # Followable output: SWMR while the loop runs (io/_swmr.py).
    Key("swmr", _config.check_bool, False),
)
"""The root keys every model reads: name, check (returns the parsed
value) and default (:data:`~._config.REQUIRED` if it must be given)."""


def check_root_cfg(root_cfg: Any, path: str) -> Dict[str, Any]:
    """Check the root config; return the parsed values of :data:`ROOT_KEYS`.

    ``path`` is the config file, named in every error. The model's own
    entry must be a mapping or null, and the output path must name a new
    file in an existing directory.
    """
    if not isinstance(root_cfg, dict):
        raise _config.ConfigError(
            f"Invalid config file {path}: expected a mapping at its top "
            f"level, got {type(root_cfg).__name__} {root_cfg!r}"
        )
    values = _config.check_keys(ROOT_KEYS, root_cfg, path)
    _config.check_seed_range(values["seed"], values["seed_numpy_rng"], path)
    name = values["root_model_name"]
    model_cfg = _config.require(root_cfg, name, path)
    if model_cfg is not None and not isinstance(model_cfg, dict):
        raise _config.invalid(name, model_cfg, path, "a mapping")

    out = values["output_path"]
    if os.path.exists(out):
        raise FileExistsError(
            f"Invalid value {out!r} for key 'output_path' in config file "
            f"{path}: the file exists already (it is never overwritten)"
        )
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise FileNotFoundError(
            f"Invalid value {out!r} for key 'output_path' in config file "
            f"{path}: its directory {parent} does not exist"
        )
    return values
