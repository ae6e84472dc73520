"""Log levels and the backend logger the model classes log through."""

import logging as _logging
from typing import Dict

__all__ = ["LOG_LEVELS", "DEFAULT_LOG_FORMAT", "backend_logger", "get_level"]

TRACE = 5

LOG_LEVELS: Dict[str, int] = {
    "trace": TRACE,
    "debug": _logging.DEBUG,
    "info": _logging.INFO,
    "warn": _logging.WARN,
    "warning": _logging.WARNING,
    "error": _logging.ERROR,
    "critical": _logging.CRITICAL,
    "fatal": _logging.FATAL,
    "not_set": _logging.NOTSET,
    "notset": _logging.NOTSET,
    "none": _logging.NOTSET,
}
"""Log level names (as used in ``log_levels`` config entries) and values."""

DEFAULT_LOG_FORMAT = "%(levelname)-7s %(message)s"
"""Default record format; add ``%(name)-14s`` to see the logger's name."""

# Records at level 5 show as TRACE rather than "Level 5".
_logging.addLevelName(TRACE, "TRACE")

# Configured once on import, as the utopya frontend expects: it reads the
# model's log output in this format. basicConfig leaves an already
# configured root logger alone.
_logging.basicConfig(format=DEFAULT_LOG_FORMAT, level=LOG_LEVELS["info"])

backend_logger = _logging.getLogger()
"""The backend-wide logger (the root logger); models may change its level."""


def get_level(s: str) -> int:
    """Return the log level value for a level name, in any case.

    Raises:
        ValueError: If ``s`` is not one of the names in :data:`LOG_LEVELS`.
    """
    try:
        return LOG_LEVELS[s.lower()]
    except (KeyError, AttributeError):
        raise ValueError(
            f"Invalid log level name {s!r}; choose one of: "
            f"{', '.join(LOG_LEVELS)}"
        ) from None
