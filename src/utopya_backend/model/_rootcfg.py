"""Checks of the root config of every model, before any output exists."""

from __future__ import annotations

import os

from ..logging import LOG_LEVELS as _LOG_LEVELS
from ..logging import get_level as _get_level
from . import _config

__all__ = ["check_root_cfg"]


def check_root_cfg(root_cfg: dict, path: str) -> None:
    """Check the root keys every model reads; ``path`` is the config file.

    The output path must name a new file in an existing directory.
    """
    if not isinstance(root_cfg, dict):
        raise _config.ConfigError(
            f"Invalid config file {path}: expected a mapping at its top "
            f"level, got {type(root_cfg).__name__} {root_cfg!r}"
        )
    req = _config.require
    name = _config.check_str(
        "root_model_name", req(root_cfg, "root_model_name", path), path
    )
    out = _config.check_str(
        "output_path", req(root_cfg, "output_path", path), path
    )
    _config.check_seeds(root_cfg, path)
    _config.check_real(
        "monitor_emit_interval",
        req(root_cfg, "monitor_emit_interval", path),
        path,
        minimum=0,
    )
    levels = req(root_cfg, "log_levels", path)
    if not isinstance(levels, dict):
        raise _config.invalid("log_levels", levels, path, "a mapping")
    req(levels, "model", path, prefix="log_levels.")
    for key, value in levels.items():
        # A null backend level leaves the backend logger as it is; the
        # model's level must be given.
        if key not in ("model", "backend") or (
            key == "backend" and value is None
        ):
            continue
        try:
            _get_level(value)
        except ValueError:
            raise _config.invalid(
                f"log_levels.{key}",
                value,
                path,
                f"a log level name, one of: {', '.join(_LOG_LEVELS)}",
            ) from None
    model_cfg = req(root_cfg, name, path)
    if model_cfg is not None and not isinstance(model_cfg, dict):
        raise _config.invalid(name, model_cfg, path, "a mapping")

    out = os.path.expanduser(out)
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
