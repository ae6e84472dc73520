# cython: language_level=3, embedsignature=True, auto_pickle=False
"""The origins of custom clocks (a timer's ``time_func``), for ``_timing``.

Split from the timing core; the pure-Python twin is ``_timefunc_py``, with
its own registry under the same rules.
"""

import weakref

__all__ = []


# Readings of a custom ``time_func`` are integer ns relative to an origin in
# seconds, so that large clocks (e.g. 1e10 s, or a ns clock passed by mistake)
# keep ns resolution and stay within int64. Readings of one timer serve the
# pause of another (IterationTimers, the run loop), so the origin belongs to
# the clock, not to the timer: the first reading of a ``time_func`` object
# becomes its origin, kept here for as long as that object lives (weak keys:
# every timer using the clock holds it, so the origin outlives all readings
# made against it). A callable that is unhashable or not weak-referenceable
# gets the origin 0.0, which is shared trivially. ``_timefunc_py`` keeps its own
# registry with the same rules. The default clock needs no origin.
_CLOCK_ORIGINS = weakref.WeakKeyDictionary()


def _clock_origin(time_func, double reading):
    """Origin (seconds) of ``time_func``; ``reading`` if it has none yet."""
    try:
        return _CLOCK_ORIGINS.setdefault(time_func, reading)
    except TypeError:  # unhashable or not weak-referenceable
        return 0.0
