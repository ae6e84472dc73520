"""Format monitor lines: one YAML flow mapping the frontend parses.

The line must load with ``yaml.safe_load`` to the values the model gave, so
every value is written in a form PyYAML's resolver reads back unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

__all__ = ["format_monitor_line", "yaml_flow"]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Words PyYAML's resolver would turn into bools or null if left unquoted.
_RESERVED = {
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf",
}  # fmt: skip


def _float(x: float) -> str:
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    s = repr(x)
    # PyYAML reads "1e-05" as a string: its float pattern needs a dot.
    if "e" in s and "." not in s:
        mantissa, exponent = s.split("e")
        s = f"{mantissa}.0e{exponent}"
    return s


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o <= 0xFF:
            out.append(f"\\x{o:02x}")
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _key(k: Any) -> str:
    if isinstance(k, str):
        if _PLAIN_KEY.match(k) and k.lower() not in _RESERVED:
            s = k
        else:
            s = _string(k)
    else:
        s = _flow(k, set())
    # YAML limits implicit keys to 1024 characters; longer ones need "? ".
    return s if len(s) < 1000 else "? " + s


def yaml_flow(v: Any) -> str:
    """Return ``v`` as YAML flow text that loads back to the same value.

    A container inside itself is written as ``"{...}"`` or ``"[...]"`` (as
    ``repr`` does), and a value whose ``str`` fails as its type's name, so
    that no monitor entry can end a run.
    """
    return _flow(v, set())


def _flow(v: Any, active: set) -> str:
    if isinstance(v, np.generic) or (
        isinstance(v, np.ndarray) and not v.dtype.hasobject
    ):
        v = v.item() if isinstance(v, np.generic) else v.tolist()
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (dict, list, tuple, set, frozenset, np.ndarray)):
        if id(v) in active:
            return _string("{...}" if isinstance(v, dict) else "[...]")
        active.add(id(v))
        try:
            if isinstance(v, dict):
                items = (
                    f"{_key(k)}: {_flow(x, active)}" for k, x in v.items()
                )
                return "{" + ", ".join(items) + "}"
            return "[" + ", ".join(_flow(x, active) for x in v) + "]"
        finally:
            active.discard(id(v))
    try:
        text = str(v)
    except Exception:
        text = f"<unprintable {type(v).__name__}>"
    return _string(text)


def format_monitor_line(
    progress: float, n_iter: int, name: str, info: dict
) -> str:
    """Return the ``!!map`` monitor line (without newline)."""
    return (
        f"!!map {{progress: {yaml_flow(progress)}, n_iter: {yaml_flow(n_iter)}"
        f", {_key(name)}: {yaml_flow(info)}}}"
    )
