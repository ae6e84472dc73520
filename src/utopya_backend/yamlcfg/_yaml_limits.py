"""The limits of YAML tags: bounded arithmetic, formatting and sizes.

Tags never take unbounded time or memory (see :mod:`._yaml`): the checks
here refuse a string of more than 10**7 characters, a list or array of more
than 10**6 elements, or an int of more than 100,000 bits before the value
is built. :func:`eval_simple_math_expr` is ``!expr``'s bounded evaluator.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
import string
from typing import Any, Callable, Dict

import numpy as np

__all__ = ["eval_simple_math_expr"]


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
        # len() overflows beyond sys.maxsize; compute it exactly instead
        # (the ceiling of span / step, for either sign of the step).
        return max(0, -(-(seq.stop - seq.start) // seq.step))
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
