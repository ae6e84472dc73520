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


def _is_command_line() -> bool:
    """Whether this process is the package's own command line.

    The package is imported before ``__main__`` runs, so an error raised
    here cannot be caught there; the command line gets one line instead of
    a traceback.
    """
    argv = list(getattr(sys, "orig_argv", ()))
    if "-m" in argv:
        module = argv[argv.index("-m") + 1 : argv.index("-m") + 2]
        return module in (
            ["utopya_backend"],
            ["utopya_backend.__main__"],
            ["utopya_backend.cli.main"],
        )
    return os.path.basename(sys.argv[0] or "") == "utopya-backend"


def _env_flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    message = (
        f"Environment variable {name}={os.environ[name]!r} is neither true "
        f"({', '.join(_TRUE)}) nor false "
        f"({', '.join(repr(v) for v in _FALSE)})"
    )
    if _is_command_line():
        print(f"utopya-backend: error: {message}", file=sys.stderr)
        raise SystemExit(2)
    raise ValueError(message)


NO_EXTENSIONS: bool = _env_flag("UTOPYA_BACKEND_NO_EXTENSIONS")
REQUIRE_EXTENSIONS: bool = _env_flag("UTOPYA_BACKEND_REQUIRE_EXTENSIONS")
USE_EXTENSIONS: bool = (
    not NO_EXTENSIONS and sys.implementation.name == "cpython"
)
