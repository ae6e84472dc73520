"""Config tables and checks, with errors that name key, value and file.

Each message's first line holds the key, the quoted bad value and the config
file, because that line is what the utopya frontend shows a user.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Mapping, NamedTuple, Sequence

from ..tools import ConfigError

__all__ = [
    "ConfigError",
    "MissingConfigKeyError",
    "require",
    "check_int",
    "check_real",
    "check_str",
    "check_bool",
    "check_choice",
    "check_mapping",
    "check_optional",
    "check_seed_option",
    "check_seed_range",
    "LEGACY_SEED_MAX",
    "REQUIRED",
    "Key",
    "check_keys",
    "defaults",
]

LEGACY_SEED_MAX = 2**32 - 1
"""Largest seed of ``numpy.random.seed`` (the legacy global RNG)."""

_MISSING = object()

REQUIRED: Any = _MISSING
"""The default of a :class:`Key` that must be given."""


class Key(NamedTuple):
    """One row of a config level's table: its key, the check that returns
    the parsed value (called as ``check(key, value, cfg_file)``) and the
    default of an absent key (:data:`REQUIRED`: none)."""

    name: str
    check: Callable[[str, Any, str], Any]
    default: Any = REQUIRED


def check_keys(
    table: Sequence[Key], cfg: Mapping, cfg_file: str, *, prefix: str = ""
) -> Dict[str, Any]:
    """Check ``cfg`` against a table, in the table's order; return the
    parsed value of every key of the table (defaults for absent ones).

    ``prefix`` is the key path of ``cfg`` (``"<model>.benchmark."``), for
    errors.
    """
    out = {}
    for key in table:
        if key.default is REQUIRED:
            value = require(cfg, key.name, cfg_file, prefix=prefix)
        else:
            value = cfg.get(key.name, key.default)
        out[key.name] = key.check(prefix + key.name, value, cfg_file)
    return out


def defaults(table: Sequence[Key]) -> Dict[str, Any]:
    """The defaults of a table's optional keys."""
    return {k.name: k.default for k in table if k.default is not REQUIRED}


class MissingConfigKeyError(ConfigError, KeyError):
    """A required config key is missing (a ``KeyError`` and ``ValueError``)."""

    def __str__(self) -> str:
        # KeyError would show the message in quotes.
        return str(self.args[0]) if self.args else ""


def require(cfg: Mapping, key: str, cfg_file: str, *, prefix: str = "") -> Any:
    """Return ``cfg[key]`` or raise naming the key and the file."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(
            f"Invalid value {cfg!r} for key '{prefix.rstrip('.') or '<root>'}'"
            f" in config file {cfg_file}: expected a mapping"
        )
    value = cfg.get(key, _MISSING)
    if value is _MISSING:
        raise MissingConfigKeyError(
            f"Missing required key '{prefix}{key}' in config file {cfg_file}"
        )
    return value


def invalid(key: str, value: Any, cfg_file: str, expected: str) -> ConfigError:
    """Build the error for a present but invalid entry."""
    return ConfigError(
        f"Invalid value {value!r} for key '{key}' in config file {cfg_file}: "
        f"expected {expected}"
    )


def check_int(
    key: str,
    value: Any,
    cfg_file: str,
    *,
    minimum: Any = None,
    maximum: Any = None,
) -> int:
    """Return ``value`` if it is an int (not a bool) within the bounds."""
    ok = _is_int(value)
    if ok and minimum is not None:
        ok = value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        if maximum is not None:
            what = f"an int from {minimum} to {maximum}"
        elif minimum is not None:
            what = f"an int >= {minimum}"
        else:
            what = "an int"
        raise invalid(key, value, cfg_file, what)
    return value


def check_real(
    key: str, value: Any, cfg_file: str, *, minimum: Any = None
) -> float:
    """Return ``value`` as float if it is a finite real number >= minimum."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = math.isfinite(value) and (minimum is None or value >= minimum)
    if not ok:
        what = "a number" if minimum is None else f"a number >= {minimum}"
        raise invalid(key, value, cfg_file, what)
    return float(value)


def check_str(key: str, value: Any, cfg_file: str) -> str:
    """Return ``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise invalid(key, value, cfg_file, "a non-empty string")
    return value


def check_bool(key: str, value: Any, cfg_file: str) -> bool:
    """Return ``value`` if it is a bool (``true`` or ``false``)."""
    if not isinstance(value, bool):
        raise invalid(key, value, cfg_file, "true or false (a boolean)")
    return value


def check_choice(
    key: str, value: Any, cfg_file: str, *, choices: Sequence[str]
) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise invalid(key, value, cfg_file, f"one of {', '.join(choices)}")
    return value


def check_mapping(key: str, value: Any, cfg_file: str) -> Any:
    """Return ``value`` if it is a mapping or null."""
    if value is not None and not isinstance(value, Mapping):
        raise invalid(key, value, cfg_file, "a mapping")
    return value


def check_optional(
    check: Callable[..., Any], expected: str
) -> Callable[[str, Any, str], Any]:
    """A check that also accepts null; its error says ``expected``."""

    def check_or_null(key: str, value: Any, cfg_file: str) -> Any:
        if value is None:
            return None
        try:
            return check(key, value, cfg_file)
        except ConfigError:
            raise invalid(key, value, cfg_file, expected) from None

    return check_or_null


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_seed_option(key: str, value: Any, cfg_file: str) -> Any:
    """``seed_numpy_rng`` / ``seed_system_rng``: a bool, an int or null
    (``random.seed`` takes any int; numpy's range is checked apart)."""
    if value is not None and not isinstance(value, (bool, int)):
        raise invalid(key, value, cfg_file, "a bool, an int or null")
    return value


def check_seed_range(seed: int, numpy_seed: Any, cfg_file: str) -> None:
    """Check the seeds of numpy's legacy global RNG.

    ``numpy.random.default_rng`` takes any int >= 0 as ``seed``. The legacy
    ``numpy.random.seed`` takes 0 to 2**32 - 1: that bounds
    ``seed_numpy_rng`` if it is an int, and ``seed + 1`` if it is true (the
    default).
    """
    if numpy_seed is True and seed + 1 > LEGACY_SEED_MAX:
        raise invalid(
            "seed",
            seed,
            cfg_file,
            f"an int from 0 to {LEGACY_SEED_MAX - 1}, because seed + 1 "
            "seeds numpy.random (whose seeds end at 2**32 - 1); set "
            "seed_numpy_rng to false or to an int to use larger seeds",
        )
    if _is_int(numpy_seed) and not 0 <= numpy_seed <= LEGACY_SEED_MAX:
        raise invalid(
            "seed_numpy_rng",
            numpy_seed,
            cfg_file,
            f"a bool, null or an int from 0 to {LEGACY_SEED_MAX} (the "
            "seeds numpy.random takes)",
        )
