"""The functions behind utopya's value tags, and which tag calls which.

:mod:`._yaml` registers the tables :data:`UNPACKED` (arguments unpacked
from a sequence or mapping) and :data:`SINGLE` (one argument) with its
loader. Every tag that could build a large value checks its size first
(:mod:`._yaml_limits`).
"""

from __future__ import annotations

import copy
import functools
import math
import operator
import os
import platform
import re
from typing import Any, Callable, Dict

import numpy as np

from ._yaml_limits import (
    _MAX_SEQ_LEN,
    _MAX_STR_LEN,
    _add,
    _BoundedFormatter,
    _check_len,
    _expanded_size,
    _is_integral,
    _length,
    _mod,
    _mul,
    _pow,
    _prod,
)

__all__ = ["UNPACKED", "SINGLE"]


def _str2bool(val: str) -> bool:
    v = str(val).strip().lower()
    if v in ("y", "yes", "t", "true", "on", "1"):
        return True
    if v in ("n", "no", "f", "false", "off", "0"):
        return False
    raise ValueError(f"Invalid truth value {val!r}")


def _collapse_whitespace(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _listgen(
    *,
    from_range: Any = None,
    unique: bool = False,
    sort: bool = True,
    append: Any = None,
    remove: Any = None,
) -> list:
    span = range(*from_range) if from_range else range(0)
    _check_len(_length(span), _MAX_SEQ_LEN, "elements")
    for extra in (append, remove):
        if extra is not None:
            _check_len(_length(extra), _MAX_SEQ_LEN, "elements")
    items = list(span)
    items += list(append or [])
    _check_len(len(items), _MAX_SEQ_LEN, "elements")
    drop = set(remove or [])
    items = [i for i in items if i not in drop]
    if unique:
        items = list(dict.fromkeys(items))
    return sorted(items) if sort else items


def _make_range(*args: Any, start: int = 0, stop: Any = None, step: int = 1):
    return range(*args) if args else range(start, stop, step)


def _make_slice(*args: Any, start: Any = None, stop: Any = None, step=None):
    return slice(*args) if args else slice(start, stop, step)


def _getenv(*args: Any) -> Any:
    name, *fallback = args
    if fallback:
        return os.environ.get(str(name), fallback[0])
    try:
        return os.environ[str(name)]
    except KeyError:
        raise KeyError(f"environment variable {name!r} is not set") from None


def _getboolenv(*args: Any) -> Any:
    value = _getenv(*args)
    return _str2bool(value) if isinstance(value, str) else value


def _format(*args: Any, fstr: Any = None, **kwargs: Any) -> str:
    if fstr is None:
        fstr, *args = args  # type: ignore[assignment]
    _expanded_size([args, kwargs], _MAX_STR_LEN)
    return _BoundedFormatter().vformat(str(fstr), args, kwargs)


def _join(jstr: Any, elements: Any) -> Any:
    n = _length(elements)
    _check_len(n, _MAX_SEQ_LEN, "elements")
    total = max(n - 1, 0) * _length(jstr)
    total += sum(_length(e) for e in elements)
    _check_len(total, _MAX_STR_LEN, "characters")
    return jstr.join(elements)


def _n_points(name: str, args: tuple, kwargs: dict) -> int:
    """Number of values numpy's arange/linspace/logspace would make."""
    if name == "arange":
        params = dict(zip(("start", "stop", "step"), args))
        params.update(kwargs)
        start, stop = params.get("start", 0), params.get("stop")
        if stop is None and len(args) == 1:
            start, stop = 0, args[0]
        step = params.get("step", 1) or 1
        if stop is None:
            return 0
        span = (float(stop) - float(start)) / float(step)
        # An infinite range is too large (math.ceil would raise instead).
        return (
            _MAX_SEQ_LEN + 1 if math.isinf(span) else max(math.ceil(span), 0)
        )
    num = kwargs.get("num", args[2] if len(args) > 2 else 50)
    return int(num) if _is_integral(num) else 0


def _numpy_list(name: str, *args: Any, **kwargs: Any) -> list:
    """numpy's ``name`` (arange, ...) as a list of floats, size checked."""
    _check_len(_n_points(name, args, kwargs), _MAX_SEQ_LEN, "elements")
    return [float(f) for f in getattr(np, name)(*args, **kwargs)]


def _array(value: Any) -> Any:
    _expanded_size(value, _MAX_SEQ_LEN)
    return np.array(value)


_is_unix = platform.system() in ("Linux", "Darwin")
_is_windows = platform.system() == "Windows"


def _concat(*lists: Any) -> list:
    _check_len(sum(_length(seq) for seq in lists), _MAX_SEQ_LEN, "elements")
    out: list = []
    for seq in lists:
        out += seq
    return out


UNPACKED: Dict[str, Callable[..., Any]] = {
    "!range": _make_range,
    "!slice": _make_slice,
    "!add": _add,
    "!sub": operator.sub,
    "!mul": _mul,
    "!truediv": operator.truediv,
    "!floordiv": operator.floordiv,
    "!mod": _mod,
    "!pow": _pow,
    "!not": operator.not_,
    "!and": operator.and_,
    "!or": operator.or_,
    "!xor": operator.xor,
    "!lt": operator.lt,
    "!le": operator.le,
    "!eq": operator.eq,
    "!ne !neq": operator.ne,
    "!ge": operator.ge,
    "!gt": operator.gt,
    "!negate": operator.neg,
    "!invert": operator.invert,
    "!contains": operator.contains,
    "!concat": _concat,
    "!format": _format,
    "!join": _join,
    "!split": lambda s, *a: s.split(*a),
    "!if-else": lambda cond, a, b: a if cond else b,
    "!if-unix-else": lambda a, b: a if _is_unix else b,
    "!if-windows-else": lambda a, b: a if _is_windows else b,
    "!arange": functools.partial(_numpy_list, "arange"),
    "!linspace": functools.partial(_numpy_list, "linspace"),
    "!logspace": functools.partial(_numpy_list, "logspace"),
    "!joinpath": os.path.join,
    "!getenv !env": _getenv,
    "!getboolenv !boolenv": _getboolenv,
    "!listgen": lambda *a, **k: _listgen(from_range=a) if a else _listgen(**k),
}
SINGLE: Dict[str, Callable[..., Any]] = {
    "!any": any,
    "!all": all,
    "!min": min,
    "!max": max,
    "!sum": sum,
    "!prod": _prod,
    "!sorted": sorted,
    "!isorted": lambda a: sorted(a, reverse=True),
    "!abs": lambda v: abs(float(v)),
    "!int": lambda v: int(float(v)),
    "!round": lambda v: round(float(v)),
    "!expanduser": os.path.expanduser,
    "!array": _array,
    "!str-to-bool": _str2bool,
    "!deepcopy": copy.deepcopy,
    "!oneline !collapse-whitespace": _collapse_whitespace,
    # As in yayaml: the length of the sequence's single element.
    "!len": lambda wrapper: len(wrapper[0]),
}
