"""The ``benchmark`` options of a model config, checked before any output.

:data:`BENCHMARK_KEYS` lists every option with its check and default (the
defaults of ``ModelBenchmarkMixin._configure_benchmark``, which a test keeps
equal), and :data:`INFO_KWARGS_KEYS` the keyword arguments of the summary's
line format. Every error names the option's key path, its value and the
config file; a bad summary format is caught here rather than at the end of
a run.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Tuple

from ..model import _config
from ..model._config import Key
from ._bench_summary import DEFAULT_INFO_FSTR

__all__ = ["BENCHMARK_KEYS", "INFO_KWARGS_KEYS", "read_benchmark_cfg"]

_DTYPES = ("float16", "float32", "float64")


def _check_group_name(key: str, value: Any, cfg_file: str) -> str:
    if not isinstance(value, str) or not value or "/" in value:
        raise _config.invalid(
            key, value, cfg_file, "a non-empty name without '/'"
        )
    return value


def _check_format(key: str, value: Any, cfg_file: str) -> str:
    if not isinstance(value, str):
        raise _config.invalid(key, value, cfg_file, "a format string")
    return value


BENCHMARK_KEYS: Tuple[Key, ...] = (
    Key("enabled", _config.check_bool, True),
    Key("show_on_exit", _config.check_bool, True),
    Key("add_to_monitor", _config.check_bool, False),
    Key("write", _config.check_bool, True),
    Key("group_name", _check_group_name, "benchmark"),
    Key(
        "compression",
        functools.partial(_config.check_int, minimum=0, maximum=9),
        3,
    ),
    Key(
        "dtype",
        functools.partial(_config.check_choice, choices=_DTYPES),
        "float32",
    ),
    Key("info_fstr", _check_format, DEFAULT_INFO_FSTR),
    Key("info_kwargs", _config.check_mapping, None),
)
"""The options of a model's ``benchmark`` entry."""

INFO_KWARGS_KEYS: Tuple[Key, ...] = (
    Key("sort", _config.check_bool, False),
    Key(
        "width",
        _config.check_optional(
            functools.partial(_config.check_int, minimum=0),
            "null or an int >= 0",
        ),
        None,
    ),
    Key(
        "ms_precision",
        functools.partial(_config.check_int, minimum=0),
        2,
    ),
)
"""The keyword arguments of ``format_elapsed_info`` that ``info_kwargs``
may set; its other entries are extra format keys."""

# A sample row of the format keys of format_elapsed_info, to try a format.
_INFO_SAMPLE: Dict[str, Any] = dict(
    name="simulation",
    seconds=1.5,
    time_str="1.50s",
    w=10,
    max_seconds=3.0,
    percent_of_max=50.0,
    count=3,
    mean=0.5,
)


def read_benchmark_cfg(
    bench_cfg: Any, *, key: str, cfg_file: str, valid: List[str]
) -> dict:
    """Check a model's ``benchmark`` entry; return the options it gives.

    Args:
        bench_cfg: The entry (null: no options).
        key: Its key path, for errors (``<model>.benchmark``).
        cfg_file: The config file, for errors.
        valid: The option names (``_configure_benchmark``'s keywords: a
            subclass may add its own, which are passed on unchecked).
    """
    if bench_cfg is None:
        return {}
    if not isinstance(bench_cfg, dict):
        raise _config.invalid(key, bench_cfg, cfg_file, "a mapping")
    for opt in bench_cfg:
        if opt not in valid:
            raise _config.ConfigError(
                f"Invalid option {opt!r} for key '{key}' in config file "
                f"{cfg_file}; valid options: {', '.join(valid)}"
            )
    values = _config.check_keys(
        BENCHMARK_KEYS, bench_cfg, cfg_file, prefix=f"{key}."
    )
    _check_info_format(values, key=key, cfg_file=cfg_file)
    # Only the options given: _configure_benchmark's signature supplies
    # the defaults (equal to the table's), and a subclass's own options
    # pass through unchecked.
    return {opt: values.get(opt, value) for opt, value in bench_cfg.items()}


def _check_info_format(
    values: Dict[str, Any], *, key: str, cfg_file: str
) -> None:
    """Try the summary's line format on a row of sample values: a bad one
    would otherwise only fail when the summary is built, at the end."""
    given = dict(values["info_kwargs"] or {})
    for name in given:
        if not isinstance(name, str):
            raise _config.invalid(
                f"{key}.info_kwargs", name, cfg_file, "string keys"
            )
    fstr = given.pop("info_fstr", values["info_fstr"])
    fstr_key = f"{key}.info_kwargs.info_fstr"
    if "info_fstr" not in (values["info_kwargs"] or {}):
        fstr_key = f"{key}.info_fstr"
    _config.check_keys(
        INFO_KWARGS_KEYS, given, cfg_file, prefix=f"{key}.info_kwargs."
    )
    names = {k.name for k in INFO_KWARGS_KEYS}
    extra = {k: v for k, v in given.items() if k not in names}
    clash = [k for k in extra if k in _INFO_SAMPLE]
    if clash:
        raise _config.invalid(
            f"{key}.info_kwargs",
            clash[0],
            cfg_file,
            "extra format keys other than the built-in ones: "
            + ", ".join(_INFO_SAMPLE),
        )
    try:
        str(fstr).format(**_INFO_SAMPLE, **extra)
    except Exception as exc:
        raise _config.invalid(
            fstr_key,
            fstr,
            cfg_file,
            "a format string with the keys "
            + ", ".join(list(_INFO_SAMPLE) + list(extra))
            + f" ({type(exc).__name__}: {exc})",
        ) from None
