"""Loading config files and importing a model's implementation package."""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import Any, Optional

import yaml

from .logging import backend_logger as _log

__all__ = ["ConfigError", "load_cfg_file", "import_package_from_dir"]

_LOADERS = ("yaml", "yml")


class ConfigError(ValueError):
    """A config file or entry is invalid; the first line names the culprit."""


def load_cfg_file(fpath: str, *, loader: Optional[str] = None) -> Any:
    """Load a config file with the loader its extension (or ``loader``) names.

    YAML files are read with PyYAML's safe (C) loader plus utopya's YAML
    tags (``!range``, ``!slice``, ``!expr``, ``!listgen``, ...).

    Args:
        fpath: Path to the file; ``~`` is expanded.
        loader: Loader name (``yaml`` or ``yml``, any case); if not given,
            taken from the file extension.

    Raises:
        ValueError: For an unsupported loader or extension.
        FileNotFoundError: If the file does not exist.
        ConfigError: If the file is malformed (with the line) or a tag fails.
    """
    from .yamlcfg._yaml import CfgLoader

    path = os.path.expanduser(str(fpath))
    name = loader if loader is not None else os.path.splitext(path)[1][1:]
    if name.lower() not in _LOADERS:
        raise ValueError(
            f"Unsupported loader '{name}' for config file {fpath}; "
            f"available loaders: {', '.join(_LOADERS)}"
        )
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"No config file at {path}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"Invalid config file {path}, line {line}: not UTF-8 text "
            f"(byte {raw[exc.start:exc.start + 1]!r} at offset {exc.start}: "
            f"{exc.reason}); save the file as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=CfgLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(
            exc, "context_mark", None
        )
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"Invalid config file {path}{where}: {problem}\n{exc}"
        ) from exc


def import_package_from_dir(
    mod_dir: str, *, mod_str: Optional[str] = None
) -> ModuleType:
    """Import the package in ``mod_dir`` by putting its parent on sys.path.

    Handy for a model's ``impl/`` package beside its ``run_model.py``::

        impl = import_package_from_dir(
            os.path.join(os.path.dirname(__file__), "impl")
        )

    Args:
        mod_dir: Absolute path of the package directory; ``~`` is expanded.
        mod_str: Module name (may be dotted); defaults to the directory's
            name.

    Raises:
        ValueError: If ``mod_dir`` is a relative path.
        FileNotFoundError: If ``mod_dir`` is not an existing directory.
        ImportError: If importing fails for any reason (chained).
    """
    mod_dir = os.path.expanduser(str(mod_dir))
    if not os.path.isabs(mod_dir):
        raise ValueError(f"Need an absolute path for `mod_dir`, got {mod_dir}")
    if not os.path.isdir(mod_dir):
        raise FileNotFoundError(
            f"`mod_dir` must be an existing directory, got {mod_dir}"
        )
    mod_dir = os.path.realpath(mod_dir)
    if mod_str is None:
        mod_str = os.path.basename(mod_dir)

    parent = mod_dir
    for _ in mod_str.split("."):
        parent = os.path.dirname(parent)
    # Stays on sys.path: later imports of the package's submodules need it.
    if parent not in sys.path:
        sys.path.insert(0, parent)

    if not os.path.isfile(os.path.join(mod_dir, "__init__.py")):
        raise ImportError(
            f"Failed importing module '{mod_str}' from {mod_dir}: it has no "
            "__init__.py, so it is not a package."
        )
    _log.debug("Importing module '%s' from %s ...", mod_str, parent)
    try:
        return importlib.import_module(mod_str)
    except Exception as exc:
        raise ImportError(
            f"Failed importing module '{mod_str}' from {mod_dir}: "
            f"{type(exc).__name__}: {exc}\nCheck that {mod_dir}/__init__.py "
            "imports without errors and that `mod_str` is right."
        ) from exc
