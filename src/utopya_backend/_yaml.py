"""The YAML loader for config files: PyYAML's safe loader plus utopya's tags.

The utopya frontend writes ``!range`` and ``!slice`` into universe configs,
and users write the other tags of utopya's YAML stack (``yayaml``) in theirs.
Everything is built on the safe loader: no arbitrary Python objects.
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
    items = list(range(*from_range)) if from_range else []
    items += list(append or [])
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
    return str(fstr).format(*args, **kwargs)


_is_unix = platform.system() in ("Linux", "Darwin")
_is_windows = platform.system() == "Windows"


def _concat(*lists: Any) -> list:
    out: list = []
    for seq in lists:
        out += seq
    return out


_UNPACKED: Dict[str, Callable[..., Any]] = {
    "!range": _make_range,
    "!slice": _make_slice,
    "!add": operator.add,
    "!sub": operator.sub,
    "!mul": operator.mul,
    "!truediv": operator.truediv,
    "!floordiv": operator.floordiv,
    "!mod": operator.mod,
    "!pow": lambda x, y, z=None: pow(x, y, z),
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
    "!join": lambda jstr, elements: jstr.join(elements),
    "!split": lambda s, *a: s.split(*a),
    "!if-else": lambda cond, a, b: a if cond else b,
    "!if-unix-else": lambda a, b: a if _is_unix else b,
    "!if-windows-else": lambda a, b: a if _is_windows else b,
    "!arange": lambda *a: [float(f) for f in np.arange(*a)],
    "!linspace": lambda *a, **k: [float(f) for f in np.linspace(*a, **k)],
    "!logspace": lambda *a, **k: [float(f) for f in np.logspace(*a, **k)],
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
    "!prod": lambda a: functools.reduce(operator.mul, a, 1),
    "!sorted": sorted,
    "!isorted": lambda a: sorted(a, reverse=True),
    "!abs": lambda v: abs(float(v)),
    "!int": lambda v: int(float(v)),
    "!round": lambda v: round(float(v)),
    "!expanduser": os.path.expanduser,
    "!array": np.array,
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
