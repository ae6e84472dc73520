"""The run loop's plan: which hooks the compiled core loop calls.

:class:`RunLoopMixin` decides once per run which hooks the core loop
(``_impl.run_iterations``) calls, so every hook stays overridable while
the no-op defaults cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from ..core import _impl
from ..signal import SIGNAL_FLAG, SIGNAL_INFO

if TYPE_CHECKING:  # pragma: no cover
    from ..core._loop_py import IterationTimers
    from ._state import ModelState as _ModelState
else:
    _ModelState = object  # at run time: no base but object

__all__ = ["RunLoopMixin"]


def _quiet_below(level: int) -> Callable[[Callable], Callable]:
    """Mark a default hook that only logs at ``level``.

    The run loop skips a marked hook while the model logger would drop its
    records anyway; an override carries no mark and is always called.
    """

    def mark(func: Callable) -> Callable:
        func._quiet_below = level  # type: ignore[attr-defined]
        return func

    return mark


class RunLoopMixin(_ModelState):
    """Plans the core loop's calls; a base of :class:`BaseModel`."""

    #: The class whose hooks are the no-op defaults: the subclass that sets
    #: ``_hook_defaults_here = True`` in its body (BaseModel), recorded
    #: when it is created, so this module need not import it.
    _hook_defaults: Optional[type] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_hook_defaults_here", False):
            cls._hook_defaults = cls

    def _run_iterations(self) -> Optional[int]:
        """Run the core loop; None, or the exit code of a handled signal."""
        plan = self._loop_plan()
        # Kept while the loop runs, for a _signal_info set mid-run.
        self._running_plan = plan
        try:
            return _impl.run_iterations(plan)
        finally:
            self._running_plan = None

    def _overrides(self, name: str, base: Optional[type] = None) -> bool:
        """Whether hook ``name`` is set on the instance or overridden by a
        subclass of ``base`` (BaseModel): the loop calls such hooks, and
        skips no-op defaults."""
        if base is None:
            base = self._hook_defaults  # BaseModel, the defaults' class
        return _hook_function(self, name) is not getattr(base, name)

    def _loop_plan(self) -> Any:
        """Decide, once per run, which hooks the core loop calls.

        Hooks are looked up on the instance, so one set there (as
        ``unittest.mock.patch.object`` does) is used; they are looked up
        when :meth:`run` starts, not at every iteration.
        """
        over = self._overrides
        show: Optional[Callable[[], Any]] = self.show_iteration_info
        # A default that only logs below the model's level is skipped.
        hook = _hook_function(self, "show_iteration_info")
        level = getattr(hook, "_quiet_below", None)
        if isinstance(level, int) and not self.log.isEnabledFor(level):
            show = None
        monitor_each = over("trigger_monitor") or over("_monitor_should_emit")
        self._deadline_emits = not monitor_each
        write_wrapped = over("_invoke_write_data")
        plan = _impl.LoopPlan(
            model=self,
            should_iterate=self.should_iterate,
            iterate=(
                self._invoke_iterate
                if over("_invoke_iterate")
                else self.iterate
            ),
            should_write=self.should_write,
            write_data=(
                self._invoke_write_data if write_wrapped else self.write_data
            ),
            time_writes=not write_wrapped,
            pre_iterate=self._pre_iterate if over("_pre_iterate") else None,
            post_iterate=(
                self._post_iterate if over("_post_iterate") else None
            ),
            show_info=show,
            trigger_monitor=self.trigger_monitor if monitor_each else None,
            on_deadline=self._on_deadline,
            deadline_ns=self._next_deadline_ns(),
            check_signals=self._check_signals,
            check_signals_always=(
                over("_check_signals") or self._signal_info is not SIGNAL_INFO
            ),
            signal_info=SIGNAL_INFO,
            signal_flag=SIGNAL_FLAG,
            timers=self._iteration_timers(),
            counters=self._counters,
        )
        self._plan_steps(plan)
        return plan

    def _plan_steps(self, plan: Any) -> None:
        """Let the core loop step on its own, for fixed-step models.

        Nothing here: the loop calls :meth:`should_iterate`, :meth:`iterate`
        and :meth:`should_write`. See ``StepwiseModel._plan_steps``.
        """

    def _iteration_timers(self) -> Optional[IterationTimers]:
        """Timers the core loop drives around each iteration, or None.

        The extension point for benchmarking mixins; see
        :class:`~utopya_backend.benchmark.ModelBenchmarkMixin`.
        """
        return None

    def _abort_run(self) -> None:
        """Invoked when :meth:`run` fails with an exception, before it
        propagates; mixins save what they measured so far."""


def _hook_function(model: Any, name: str) -> Any:
    """The function behind ``model.<name>``, or the attribute itself if it
    was set on the instance.

    Reads no ``__dict__``: touching it would make every later attribute
    access of the model slower (CPython keeps small instances' attributes
    inline until then).
    """
    attr = getattr(model, name)
    if getattr(attr, "__self__", None) is model:
        return getattr(attr, "__func__", attr)
    return attr
