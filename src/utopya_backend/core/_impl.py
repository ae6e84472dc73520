"""The implementation in use: the compiled core or its pure-Python twins.

Everything outside the twins (model layer, benchmark mixin, ``io``) imports
the core from here only, and looks names up on this module at run time, so
tests can swap implementations.
"""

from typing import TYPE_CHECKING

from ._compat import REQUIRE_EXTENSIONS, USE_EXTENSIONS

if TYPE_CHECKING or not USE_EXTENSIONS:
    from ._deflate_py import DeflateRing, write_chunk
    from ._loop_py import (
        IterationTimers,
        LoopCounters,
        LoopPlan,
        run_iterations,
    )
    from ._rowbuffer_py import RowBuffer
    from ._timing_py import Timer, monotonic_ns

    IMPLEMENTATION = "python"
else:
    try:
        from ._deflate import DeflateRing, write_chunk
        from ._loop import (
            IterationTimers,
            LoopCounters,
            LoopPlan,
            run_iterations,
        )
        from ._rowbuffer import RowBuffer
        from ._timing import Timer, monotonic_ns

        IMPLEMENTATION = "c"
    except ImportError as _err:  # pragma: no cover - broken install only
        if REQUIRE_EXTENSIONS:
            raise
        import warnings

        # Once per process: this module is imported once, and the
        # "default" action shows a warning once per place it comes from.
        warnings.warn(
            "utopya_backend: the compiled core could not be imported "
            f"({_err}); using the slower pure-Python twin (same results). "
            "Install a wheel or reinstall with a C compiler to get it; to "
            "choose the twin explicitly and silence this, set "
            "UTOPYA_BACKEND_NO_EXTENSIONS=1, or ignore the warning with "
            "PYTHONWARNINGS=ignore:utopya_backend:RuntimeWarning",
            RuntimeWarning,
            stacklevel=2,
        )
        from ._deflate_py import DeflateRing, write_chunk
        from ._loop_py import (
            IterationTimers,
            LoopCounters,
            LoopPlan,
            run_iterations,
        )
        from ._rowbuffer_py import RowBuffer
        from ._timing_py import Timer, monotonic_ns

        IMPLEMENTATION = "python"

__all__ = [
    "DeflateRing",
    "IMPLEMENTATION",
    "IterationTimers",
    "LoopCounters",
    "LoopPlan",
    "RowBuffer",
    "Timer",
    "monotonic_ns",
    "run_iterations",
    "write_chunk",
]
