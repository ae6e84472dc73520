"""Where the run loop keeps a model's counters and how it notices signals:
in ``LoopCounters`` and a one-byte flag the handler sets, so a cheap step
pays for no Python attribute store or dict lookup per iteration.

Runs on each implementation (``_loop`` and its twin ``_loop_py``).
"""

from __future__ import annotations

import os
import signal

import pytest
from _models import Walker

from utopya_backend.signal import SIGNAL_FLAG, SIGNAL_INFO


def _plan(loop, **kw):
    kw.setdefault("deadline_ns", 2**62)  # never reached
    kw.setdefault("time_writes", False)
    kw.setdefault("write_data", lambda: None)
    return loop.LoopPlan(**kw)


def test_the_loop_counts_in_the_counters_a_step_reads(impl):
    counters = impl.loop.LoopCounters()
    seen = []
    plan = _plan(
        impl.loop,
        model=object(),  # has no attributes to keep up to date
        counters=counters,
        perform_step=lambda: seen.append(
            (counters.time, counters.n_iterations)
        ),
        num_steps=3,
    )
    assert impl.loop.run_iterations(plan) is None
    assert seen == [(0, 0), (1, 1), (2, 2)]
    assert (counters.time, counters.n_iterations) == (3, 3)


def test_a_run_continues_from_the_counters(impl):
    counters = impl.loop.LoopCounters(time=2, n_iterations=5)
    plan = _plan(
        impl.loop,
        model=None,
        counters=counters,
        perform_step=lambda: None,
        time=2,
        num_steps=4,
    )
    impl.loop.run_iterations(plan)
    assert (counters.time, counters.n_iterations) == (4, 7)


def test_counters_and_flag_are_checked_with_the_same_text(impl):
    with pytest.raises(TypeError, match="counters must be LoopCounters"):
        impl.loop.LoopPlan(model=None, counters=object())
    with pytest.raises(TypeError, match="signal_flag must be a non-empty"):
        impl.loop.LoopPlan(model=None, signal_flag=bytearray())


def test_a_stale_flag_is_cleared_without_asking_check_signals(impl):
    """The record was reset (a new model) after the handler ran."""
    calls = []
    flag = bytearray(b"\x01")
    plan = _plan(
        impl.loop,
        model=None,
        counters=impl.loop.LoopCounters(),
        perform_step=lambda: None,
        num_steps=3,
        check_signals=lambda: calls.append(1),
        signal_info={"got_signal": False},
        signal_flag=flag,
    )
    assert impl.loop.run_iterations(plan) is None
    assert calls == [] and flag[0] == 0


def test_the_handler_sets_the_flag_the_loop_reads(use_impl, make_cfg):
    m = Walker(cfg_file_path=make_cfg(num_steps=100))
    m.USE_SYS_EXIT = False
    m._attach_signal_handlers()
    steps = []

    def step():
        steps.append(m.time)
        if m.time == 4:
            os.kill(os.getpid(), signal.SIGUSR1)

    m.perform_step = step
    assert m.run() == 128 + signal.SIGUSR1
    assert SIGNAL_FLAG[0] == 1 and SIGNAL_INFO["got_signal"]
    assert (m.time, m.n_iterations) == (5, 5) and steps == list(range(5))


def test_time_and_n_iterations_read_the_counters(use_impl, make_cfg):
    m = Walker(cfg_file_path=make_cfg(num_steps=6))
    seen = []
    m.perform_step = lambda: seen.append((m.time, m._n_iterations))
    m.run()
    assert seen == [(i, i) for i in range(6)]
    assert (m.time, m.n_iterations) == (m._counters.time, 6)
    m._time = 2  # as subclasses of the original package do
    assert m.time == 2 and m._counters.time == 2


def test_a_pure_python_install_says_the_interface_needs_the_compiled_core():
    import importlib.util
    import os

    import utopya_backend

    stub = os.path.join(os.path.dirname(utopya_backend.__file__), "cstep.py")
    spec = importlib.util.spec_from_file_location("_cstep_stub", stub)
    with pytest.raises(ImportError, match="needs the compiled core"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.mark.parametrize("compiled_step", [False, True])
def test_check_signals_always_may_be_switched_on_mid_run(impl, compiled_step):
    """As the model does when it is given its own signal record."""
    if compiled_step:
        try:
            from utopya_backend import cstep
        except ImportError as exc:  # a pure-Python install
            pytest.skip(f"needs the compiled core ({exc})")
        step = cstep._CountStep()
    else:
        step = lambda: None  # noqa: E731

    def on_deadline(now):
        plan.check_signals_always = True
        return 2**62

    plan = _plan(
        impl.loop,
        model=None,
        counters=impl.loop.LoopCounters(),
        perform_step=step,
        num_steps=10,
        on_deadline=on_deadline,
        deadline_ns=0,  # due in the first iteration
        check_signals=lambda: 99,
    )
    assert impl.loop.run_iterations(plan) == 99
    assert plan.counters.n_iterations == 1
