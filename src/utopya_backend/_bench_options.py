"""The ``benchmark`` options of a model config, checked before any output.

Every error names the option's key, its value and the config file, and a
bad summary format is caught here rather than at the end of a run.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from .model import _config

__all__ = ["read_benchmark_cfg"]

_DTYPES = ("float16", "float32", "float64")
_BOOL_OPTIONS = ("enabled", "show_on_exit", "add_to_monitor", "write")
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
# Keyword arguments of format_elapsed_info that are not format keys.
_INFO_KWARGS: Dict[str, Tuple[Any, str]] = dict(
    sort=(lambda v: isinstance(v, bool), "true or false (a boolean)"),
    width=(
        lambda v: v is None
        or (isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        "null or an int >= 0",
    ),
    ms_precision=(
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "an int >= 0",
    ),
)


def read_benchmark_cfg(
    bench_cfg: Any, *, key: str, cfg_file: str, valid: List[str]
) -> dict:
    """Check a model's ``benchmark`` entry and return it (``{}`` if null).

    Args:
        bench_cfg: The entry.
        key: Its key path, for errors (``<model>.benchmark``).
        cfg_file: The config file, for errors.
        valid: The option names (``_configure_benchmark``'s keywords).
    """
    path = cfg_file
    if bench_cfg is None:
        return {}
    if not isinstance(bench_cfg, dict):
        raise _config.invalid(key, bench_cfg, path, "a mapping")
    for opt in bench_cfg:
        if opt not in valid:
            raise _config.ConfigError(
                f"Invalid option {opt!r} for key '{key}' in config file "
                f"{path}; valid options: {', '.join(valid)}"
            )
    checks = {
        "dtype": (lambda v: v in _DTYPES, f"one of {', '.join(_DTYPES)}"),
        "compression": (
            lambda v: isinstance(v, int)
            and not isinstance(v, bool)
            and 0 <= v <= 9,
            "an int from 0 to 9",
        ),
        "group_name": (
            lambda v: isinstance(v, str) and v and "/" not in v,
            "a non-empty name without '/'",
        ),
        "info_fstr": (lambda v: isinstance(v, str), "a format string"),
        "info_kwargs": (
            lambda v: v is None or isinstance(v, dict),
            "a mapping",
        ),
    }
    for opt in _BOOL_OPTIONS:
        checks[opt] = (
            lambda v: isinstance(v, bool),
            "true or false (a boolean)",
        )
    for opt, (ok, expected) in checks.items():
        if opt in bench_cfg and not ok(bench_cfg[opt]):
            raise _config.invalid(
                f"{key}.{opt}", bench_cfg[opt], path, expected
            )
    # A bad line format would only fail when the summary is built, at
    # the end of the run: try it now on a row of sample values.
    kwargs = dict(bench_cfg.get("info_kwargs") or {})
    fstr = kwargs.pop("info_fstr", bench_cfg.get("info_fstr"))
    fstr_key = f"{key}.info_kwargs.info_fstr"
    if "info_fstr" not in (bench_cfg.get("info_kwargs") or {}):
        fstr_key = f"{key}.info_fstr"
    for kw, (ok, expected) in _INFO_KWARGS.items():
        if kw in kwargs and not ok(kwargs.pop(kw)):
            raise _config.invalid(
                f"{key}.info_kwargs.{kw}",
                bench_cfg["info_kwargs"][kw],
                path,
                expected,
            )
    clash = [k for k in kwargs if k in _INFO_SAMPLE]
    if clash:
        raise _config.invalid(
            f"{key}.info_kwargs",
            clash[0],
            path,
            "extra format keys other than the built-in ones: "
            + ", ".join(_INFO_SAMPLE),
        )
    if fstr is not None:
        try:
            str(fstr).format(**_INFO_SAMPLE, **kwargs)
        except Exception as exc:
            raise _config.invalid(
                fstr_key,
                fstr,
                path,
                "a format string with the keys "
                + ", ".join(list(_INFO_SAMPLE) + list(kwargs))
                + f" ({type(exc).__name__}: {exc})",
            ) from None
    return bench_cfg
