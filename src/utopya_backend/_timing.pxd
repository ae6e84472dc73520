# cython: language_level=3
"""The documented ``cimport`` path of the timer, kept after the relayout.

The timing core moved to ``utopya_backend.core._timing``; this file only
re-exports its C-level interface, so both of these work::

    from utopya_backend._timing cimport Timer
    from utopya_backend.core._timing cimport Timer

There is no ``utopya_backend._timing`` module at run time: the compiled
code imports the class from ``utopya_backend.core._timing``.
"""

from .core._timing cimport Timer, _ns_to_seconds, ub_monotonic_ns
