"""Decide once whether the compiled core is used.

``UTOPYA_BACKEND_NO_EXTENSIONS`` set to a true value (``1``, ``true``,
``yes``, ``on``; any case) selects the pure-Python twins; unset, empty or a
false value (``0``, ``false``, ``no``, ``off``) keeps the compiled core.
Interpreters other than CPython always use the twins.
``UTOPYA_BACKEND_REQUIRE_EXTENSIONS`` set to a true value turns a missing
compiled core into an ImportError instead of a fallback (for wheel builds).
"""

import os
import sys

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _env_flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"Environment variable {name}={os.environ[name]!r} is neither true "
        f"({', '.join(_TRUE)}) nor false "
        f"({', '.join(repr(v) for v in _FALSE)})"
    )


NO_EXTENSIONS: bool = _env_flag("UTOPYA_BACKEND_NO_EXTENSIONS")
REQUIRE_EXTENSIONS: bool = _env_flag("UTOPYA_BACKEND_REQUIRE_EXTENSIONS")
USE_EXTENSIONS: bool = (
    not NO_EXTENSIONS and sys.implementation.name == "cpython"
)
