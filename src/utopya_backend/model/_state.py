"""What the model mixins share, declared for type checkers only.

:class:`RunLoopMixin`, :class:`MonitorMixin` and :class:`OutputMixin` use
attributes and methods that :class:`BaseModel` or another mixin defines.
They inherit from :class:`ModelState` only under ``typing.TYPE_CHECKING``;
at run time they inherit from ``object``, so this module is not even
imported and the MRO and attribute lookups of a model stay as they are.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

import h5py

from ..io._sync import OutputSync

__all__ = ["ModelState"]


class ModelState:
    """The attributes and methods of a model that its mixins share.

    A plain class, not a Protocol: mypy takes an assignment to a protocol
    member in an explicit subclass for a new definition. The method bodies
    are never run.
    """

    # Set in BaseModel.__init__ (and _check_root_cfg).
    _name: str
    _root_values: Dict[str, Any]
    _h5file: Optional[h5py.File]
    _h5group: h5py.Group
    _output: Optional[OutputSync]
    _n_iterations: int
    _counters: Any
    _emit_interval_ns: int
    _last_emit_ns: Optional[int]
    _monitor_info: Dict[str, Any]
    _running_plan: Any
    _signal_info: Dict[str, Any]

    # Set by RunLoopMixin._loop_plan, read by MonitorMixin.
    _deadline_emits: bool

    # BaseModel
    @property
    def log(self) -> logging.Logger:
        raise NotImplementedError

    def should_iterate(self) -> bool:
        raise NotImplementedError

    def iterate(self) -> None:
        raise NotImplementedError

    def should_write(self) -> bool:
        raise NotImplementedError

    def write_data(self) -> None:
        raise NotImplementedError

    def show_iteration_info(self) -> None:
        raise NotImplementedError

    def _invoke_iterate(self) -> None:
        raise NotImplementedError

    def _invoke_write_data(self) -> None:
        raise NotImplementedError

    def _pre_iterate(self) -> None:
        raise NotImplementedError

    def _post_iterate(self) -> None:
        raise NotImplementedError

    def _check_signals(self) -> Optional[int]:
        raise NotImplementedError

    # MonitorMixin
    def trigger_monitor(self, *, force: bool = False) -> None:
        raise NotImplementedError

    def _on_deadline(self, now: int) -> int:
        raise NotImplementedError

    def _next_deadline_ns(self) -> int:
        raise NotImplementedError
