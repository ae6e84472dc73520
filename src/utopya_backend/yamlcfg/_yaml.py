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

This module holds the loader and registers the tags; the functions behind
the value tags are in :mod:`._yaml_tags`, their limits in
:mod:`._yaml_limits`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict

import yaml

from ._yaml_limits import eval_simple_math_expr
from ._yaml_tags import SINGLE, UNPACKED

__all__ = ["CfgLoader", "eval_simple_math_expr"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CfgLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader (C-accelerated where available) with utopya's tags."""


# .. Constructors .............................................................


def _plain_scalar(loader: CfgLoader, node: yaml.ScalarNode) -> Any:
    """Construct a tagged scalar as if it were untagged (int, bool, ...).

    A quoted (or block) scalar is a string, as without the tag: ``!is-string
    "1.0"`` is the string ``1.0``, not a float. (Plain style is ``None`` in
    PyYAML's Python loader and ``''`` in its C loader.)
    """
    if node.style:
        tag = "tag:yaml.org,2002:str"
    else:
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


def _construct_tagged(
    loader: CfgLoader, node: yaml.Node, *, func: Callable, unpack: bool
) -> Any:
    """Call a tag's function on the node's value (unpacked if ``unpack``)."""
    value = _node_value(loader, node)
    try:
        if unpack and isinstance(value, dict):
            return func(**value)
        if unpack and isinstance(value, list):
            return func(*value)
        return func(value)
    except Exception as exc:
        raise _fail(node, exc) from exc


# Module-level constructors bound with partial (not closures), so that the
# code that runs on every load is the code a test (or mutant) reaches.
for _table, _unpack in ((UNPACKED, True), (SINGLE, False)):
    for _tags, _func in _table.items():
        for _tag in _tags.split():
            CfgLoader.add_constructor(
                _tag,
                functools.partial(
                    _construct_tagged, func=_func, unpack=_unpack
                ),
            )


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


def _construct_checked(
    loader: CfgLoader, node: yaml.Node, *, mode: str
) -> Any:
    """A shorthand parameter tag: its value (or ``default``), checked."""
    value = _node_value(loader, node)
    if isinstance(value, dict) and "default" in value:
        value = value["default"]
    if not _PARAM_CHECKS[mode](value):
        raise _fail(node, ValueError(f"value {value!r} fails {mode}"))
    return value


for _mode in _PARAM_CHECKS:
    CfgLoader.add_constructor(
        "!" + _mode, functools.partial(_construct_checked, mode=_mode)
    )


def _construct_param(loader: CfgLoader, node: yaml.Node) -> Any:
    value = _node_value(loader, node)
    if not isinstance(value, dict) or "default" not in value:
        raise _fail(node, ValueError("expected a mapping with a 'default'"))
    return value["default"]


CfgLoader.add_constructor("!param", _construct_param)
