"""The YAML loader for config files: PyYAML's safe loader plus utopya's tags.

The utopya frontend writes ``!range`` and ``!slice`` into universe configs,
and users write the other tags of utopya's YAML stack (``yayaml``) in theirs.
Everything is built on the safe loader: no arbitrary Python objects.

Tags never take unbounded time or memory: a tag whose result would be a
string of more than 10**7 characters, a list or array of more than 10**6
elements, or an int of more than 100,000 bits (also within ``!expr``) is
refused with an error naming the tag, the file and the line, before the
value is built. This covers ``!pow``, ``!mul``, ``!prod``, ``!add``,
``!mod`` and ``!format`` (widths and precisions over 10**7), ``!join``,
``!concat``, ``!listgen``, ``!arange``/``!linspace``/``!logspace`` and
``!array`` (nested lists counted with every shared alias expanded).
"""

from __future__ import annotations

import ast
import copy
import functools
import math
import operator
import os
import platform
import re
import string
from typing import Any, Callable, Dict

import numpy as np
import yaml

__all__ = ["CfgLoader", "eval_simple_math_expr"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CfgLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader (C-accelerated where available) with utopya's tags."""


# .. Helpers ..................................................................


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


# .. Bounded arithmetic .......................................................

_MAX_EXPR_LEN = 1000
_MAX_INT_BITS = 100_000
_BINOPS: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_SPECIAL = {"inf": math.inf, "nan": math.nan}


def _bits(x: Any) -> int:
    return x.bit_length() if isinstance(x, int) else 0


# Limits of the values tags build: far above what a config needs, far
# below what would take the machine's memory or minutes of CPU time.
_MAX_STR_LEN = 10_000_000
"""Most characters of a string a tag builds (or formats)."""
_MAX_SEQ_LEN = 1_000_000
"""Most elements of a list (or array) a tag builds."""


class _TooLarge(ValueError):
    """A tag's result would exceed the limits."""


def _check_len(n: int, limit: int, what: str) -> None:
    if n > limit:
        raise _TooLarge(
            f"result too large: {n} {what}, more than the limit of {limit}"
        )


def _check_bits(n_bits: int) -> None:
    if n_bits > _MAX_INT_BITS:
        raise _TooLarge(
            f"result too large: an int of about {n_bits} bits, more than "
            f"the limit of {_MAX_INT_BITS} bits"
        )


def _length(seq: Any) -> int:
    """``len(seq)`` (ranges beyond sys.maxsize included), 0 if unsized."""
    if isinstance(seq, range):
        # len() overflows beyond sys.maxsize; compute it exactly instead.
        if seq.step > 0:
            return max(0, -(-(seq.stop - seq.start) // seq.step))
        return max(0, -(-(seq.start - seq.stop) // -seq.step))
    try:
        return len(seq)
    except TypeError:
        return 0


def _is_integral(x: Any) -> bool:
    return isinstance(x, (int, np.integer))


def _is_repeatable(x: Any) -> bool:
    return isinstance(x, (str, bytes, list, tuple))


def _limit_of(seq: Any) -> tuple:
    if isinstance(seq, (str, bytes)):
        return _MAX_STR_LEN, "characters"
    return _MAX_SEQ_LEN, "elements"


def _expanded_size(value: Any, limit: int) -> int:
    """Elements (and characters) of ``value`` with every nesting expanded.

    Shared sub-lists (YAML aliases) count each time they appear, as they
    would in a string or an array built from ``value``; each distinct one is
    visited once, so this is quick whatever the total. Refuses a total over
    ``limit``.
    """
    memo: Dict[int, int] = {}

    def size(item: Any) -> int:
        if isinstance(item, (str, bytes)):
            return len(item)
        if isinstance(item, range):
            return _length(item)
        if isinstance(item, np.ndarray):
            return int(item.size)
        if isinstance(item, dict):
            children: Any = list(item.keys()) + list(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = item
        else:
            return 1
        key = id(item)
        if key in memo:
            return memo[key]
        memo[key] = 1  # a container holding itself prints as [...]
        total = len(children) + sum(size(c) for c in children)
        memo[key] = total
        return total

    try:
        n = size(value)
    except RecursionError:
        raise _TooLarge("result too large: nested too deeply") from None
    if n > limit:
        raise _TooLarge(
            f"result too large: the arguments expand to {n} elements and "
            f"characters, more than the limit of {limit}"
        )
    return n


def _mul(a: Any, b: Any) -> Any:
    if _is_integral(a) and _is_integral(b):
        _check_bits(_bits(int(a)) + _bits(int(b)))
    elif _is_repeatable(a) and _is_integral(b):
        _check_len(len(a) * max(int(b), 0), *_limit_of(a))
    elif _is_integral(a) and _is_repeatable(b):
        _check_len(len(b) * max(int(a), 0), *_limit_of(b))
    return operator.mul(a, b)


def _add(a: Any, b: Any) -> Any:
    if _is_repeatable(a) and _is_repeatable(b):
        _check_len(len(a) + len(b), *_limit_of(a))
    return operator.add(a, b)


def _pow(x: Any, y: Any, z: Any = None) -> Any:
    # With a modulus, pow is fast and its result is smaller than z.
    if (
        z is None
        and _is_integral(x)
        and _is_integral(y)
        and not isinstance(x, bool)
    ):
        x, y = int(x), int(y)
        if y > 1 and abs(x) > 1:
            _check_bits(math.ceil(math.log2(abs(x)) * y))
    return pow(x, y, z)


def _prod(values: Any) -> Any:
    return functools.reduce(_mul, values, 1)


_SPEC_NUMBER = re.compile(r"\d+")


def _check_spec(spec: str) -> None:
    """Refuse a format spec whose width or precision is beyond the limit."""
    for number in _SPEC_NUMBER.findall(spec):
        if len(number) > 9 or int(number) > _MAX_STR_LEN:
            raise _TooLarge(
                f"result too large: width or precision {number} in format "
                f"spec {spec!r}, more than the limit of {_MAX_STR_LEN}"
            )


class _BoundedFormatter(string.Formatter):
    """``str.format`` with every (resolved) spec checked first."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_spec(format_spec)
        return super().format_field(value, format_spec)


_PRINTF_SPEC = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]"
)


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)):
        fmt = a.decode("latin-1") if isinstance(a, bytes) else a
        for m in _PRINTF_SPEC.finditer(fmt):
            _check_spec(m.group(0))
        _expanded_size(b, _MAX_STR_LEN)
    return operator.mod(a, b)


def _eval_node(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _eval_node(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id.lower() in _SPECIAL:
        return _SPECIAL[node.id.lower()]
    if isinstance(node, ast.UnaryOp) and isinstance(
        node.op, (ast.UAdd, ast.USub)
    ):
        v = _eval_node(node.operand)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _eval_node(node.left), _eval_node(node.right)
        # Refuse integer results too large to compute quickly.
        if isinstance(node.op, ast.Pow) and isinstance(b, int):
            if abs(b) > 1 and _bits(a) > 1 and _bits(a) * b > _MAX_INT_BITS:
                raise ValueError("result too large")
        if isinstance(node.op, ast.Mult) and _bits(a) + _bits(b) > (
            _MAX_INT_BITS
        ):
            raise ValueError("result too large")
        return _BINOPS[type(node.op)](a, b)
    raise ValueError(f"unsupported element {ast.dump(node)[:40]!r}")


def eval_simple_math_expr(expr: str) -> Any:
    """Evaluate a simple arithmetic expression, refusing unbounded ones.

    Allowed: int and float literals (``e`` notation included), ``+ - * /
    **``, parentheses, ``inf`` and ``nan``.

    Raises:
        ValueError: For anything else, or a result too large to compute.
    """
    s = str(expr).strip()
    if len(s) > _MAX_EXPR_LEN:
        raise ValueError(
            f"Expression is longer than {_MAX_EXPR_LEN} characters"
        )
    if s.startswith("np."):
        s = s[3:]
    s = s.replace("-np.inf", "-inf")
    try:
        tree = ast.parse(s, mode="eval")
        return _eval_node(tree)
    except (SyntaxError, ValueError, OverflowError, ZeroDivisionError) as e:
        raise ValueError(f"Cannot evaluate expression {expr!r}: {e}") from e


# .. Constructors .............................................................


def _plain_scalar(loader: CfgLoader, node: yaml.ScalarNode) -> Any:
    """Construct a tagged scalar as if it were untagged (int, bool, ...)."""
    tag = loader.resolve(yaml.ScalarNode, node.value, (True, False))
    return loader.construct_object(
        yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark),
        deep=True,
    )


def _node_value(loader: CfgLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return _plain_scalar(loader, node)


def _fail(node: yaml.Node, exc: BaseException) -> yaml.YAMLError:
    return yaml.constructor.ConstructorError(
        None,
        None,
        f"Tag {node.tag} failed: {type(exc).__name__}: {exc}",
        node.start_mark,
    )


def _register(tags: str, func: Callable, *, unpack: bool) -> None:
    def construct(loader: CfgLoader, node: yaml.Node) -> Any:
        value = _node_value(loader, node)
        try:
            if unpack and isinstance(value, dict):
                return func(**value)
            if unpack and isinstance(value, list):
                return func(*value)
            return func(value)
        except Exception as exc:
            raise _fail(node, exc) from exc

    for tag in tags.split():
        CfgLoader.add_constructor(tag, construct)


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
        n = math.ceil((float(stop) - float(start)) / float(step))
        return max(n, 0) if math.isfinite(n) else _MAX_SEQ_LEN + 1
    num = kwargs.get("num", args[2] if len(args) > 2 else 50)
    return int(num) if _is_integral(num) else 0


def _numpy_list(name: str) -> Callable[..., list]:
    func = getattr(np, name)

    def make(*args: Any, **kwargs: Any) -> list:
        _check_len(_n_points(name, args, kwargs), _MAX_SEQ_LEN, "elements")
        return [float(f) for f in func(*args, **kwargs)]

    return make


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


_UNPACKED: Dict[str, Callable[..., Any]] = {
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
    "!arange": _numpy_list("arange"),
    "!linspace": _numpy_list("linspace"),
    "!logspace": _numpy_list("logspace"),
    "!joinpath": os.path.join,
    "!getenv !env": _getenv,
    "!getboolenv !boolenv": _getboolenv,
    "!listgen": lambda *a, **k: _listgen(from_range=a) if a else _listgen(**k),
}
_SINGLE: Dict[str, Callable[..., Any]] = {
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
for _tags, _func in _UNPACKED.items():
    _register(_tags, _func, unpack=True)
for _tags, _func in _SINGLE.items():
    _register(_tags, _func, unpack=False)


def _construct_expr(loader: CfgLoader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise _fail(node, TypeError("expected an expression string"))
    try:
        return eval_simple_math_expr(node.value)
    except ValueError as exc:
        raise _fail(node, exc) from exc


for _tag in ("!expr", "!expression", "!compute"):
    CfgLoader.add_constructor(_tag, _construct_expr)


# .. utopya's parameter tags: load as their (checked) value ...................


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_PARAM_CHECKS: Dict[str, Callable[[Any], bool]] = {
    "is-positive": lambda v: _is_real(v) and v > 0,
    "is-positive-or-zero": lambda v: _is_real(v) and v >= 0,
    "is-negative": lambda v: _is_real(v) and v < 0,
    "is-negative-or-zero": lambda v: _is_real(v) and v <= 0,
    "is-probability": lambda v: _is_real(v) and 0 <= v <= 1,
    "is-in-unit-interval": lambda v: _is_real(v) and 0 <= v <= 1,
    "is-int": _is_int,
    "is-positive-int": lambda v: _is_int(v) and v > 0,
    "is-negative-int": lambda v: _is_int(v) and v < 0,
    "is-unsigned": lambda v: _is_int(v) and v >= 0,
    "is-string": lambda v: isinstance(v, str),
    "is-bool": lambda v: isinstance(v, bool),
}


def _param_shorthand(mode: str, check: Callable[[Any], bool]) -> Callable:
    def construct(loader: CfgLoader, node: yaml.Node) -> Any:
        value = _node_value(loader, node)
        if isinstance(value, dict) and "default" in value:
            value = value["default"]
        if not check(value):
            raise _fail(node, ValueError(f"value {value!r} fails {mode}"))
        return value

    return construct


for _mode, _check in _PARAM_CHECKS.items():
    CfgLoader.add_constructor("!" + _mode, _param_shorthand(_mode, _check))


def _construct_param(loader: CfgLoader, node: yaml.Node) -> Any:
    value = _node_value(loader, node)
    if not isinstance(value, dict) or "default" not in value:
        raise _fail(node, ValueError("expected a mapping with a 'default'"))
    return value["default"]


CfgLoader.add_constructor("!param", _construct_param)
