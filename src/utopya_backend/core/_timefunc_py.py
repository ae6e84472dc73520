"""Pure-Python twin of ``_timefunc``: the origins of custom clocks.

Split from the timing twin ``_timing_py``; same rules as ``_timefunc.pyx``.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__: list = []

# Origins of custom clocks, one per time_func object: the rules and the
# reasons are in _timefunc.pyx (same names there).
_CLOCK_ORIGINS: weakref.WeakKeyDictionary[Any, float] = (
    weakref.WeakKeyDictionary()
)


def _clock_origin(time_func: Any, reading: float) -> float:
    """Origin (seconds) of ``time_func``; ``reading`` if it has none yet."""
    try:
        return _CLOCK_ORIGINS.setdefault(time_func, reading)
    except TypeError:  # unhashable or not weak-referenceable
        return 0.0
