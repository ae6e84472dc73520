"""Signal handling: record stop conditions and interrupts for the run loop.

The handler only records what arrived; the model's run loop checks the
record once per iteration and stops gracefully.
"""

import platform
import signal
import time
from typing import Any, Dict

__all__ = [
    "SIG_STOPCOND",
    "SIGNAL_FLAG",
    "SIGNAL_INFO",
    "attach_signal_handlers",
]

SIG_STOPCOND: signal.Signals = (
    signal.SIGFPE if platform.system() == "Windows" else signal.SIGUSR1
)
"""The signal the utopya frontend sends when a stop condition is fulfilled
(SIGUSR1; SIGFPE on Windows, which lacks user-defined signals)."""

SIGNAL_INFO: Dict[str, Any] = dict(
    got_signal=False, signum=None, frame=None, at_time=None
)
"""Whether and which signal arrived, its frame and the wall-clock time."""

SIGNAL_FLAG = bytearray(1)
"""Set to 1 by the handler after it updated :data:`SIGNAL_INFO`: the run
loop reads this byte in C each iteration instead of looking up the dict,
and clears it when it finds the record reset."""


def _handle_signal(signum, frame) -> None:
    """Record a signal in :data:`SIGNAL_INFO`; nothing else."""
    SIGNAL_INFO["signum"] = signum
    SIGNAL_INFO["frame"] = frame
    SIGNAL_INFO["at_time"] = time.time()
    SIGNAL_INFO["got_signal"] = True
    SIGNAL_FLAG[0] = 1


def attach_signal_handlers(
    *, for_stop_conds: bool = True, for_interrupts: bool = True
) -> None:
    """Install a handler for stop conditions and interrupts.

    The handler only records the signal in :data:`SIGNAL_INFO`.

    Args:
        for_stop_conds: Handle :data:`SIG_STOPCOND`.
        for_interrupts: Handle SIGINT and SIGTERM.
    """
    if for_stop_conds:
        signal.signal(SIG_STOPCOND, _handle_signal)
    if for_interrupts:
        signal.signal(signal.SIGINT, _handle_signal)
        signal.signal(signal.SIGTERM, _handle_signal)
