"""The compiled classes and their twins agree on what a caller can see:
public names, which attributes can be set, and errors with their text.
(Timer's parity is checked in test_timing.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from _signatures import plain_signature

from utopya_backend.core import (
    _deflate_py,
    _loop_py,
    _rowbuffer_py,
    _timing_py,
)

pytestmark = pytest.mark.c_extension


@pytest.fixture(scope="module")
def c():
    from utopya_backend.core import _deflate, _loop, _rowbuffer, _timing

    return dict(
        timing=_timing, loop=_loop, rowbuffer=_rowbuffer, deflate=_deflate
    )


PY = dict(
    timing=_timing_py,
    loop=_loop_py,
    rowbuffer=_rowbuffer_py,
    deflate=_deflate_py,
)


def _public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def _iteration_timers(mods, *args, **kw):
    t = mods["timing"].Timer
    timers = [t("full"), t("inner"), t("write")]
    return mods["loop"].IterationTimers(*timers, *args, **kw)


@pytest.mark.parametrize(
    "cls",
    [
        ("loop", "IterationTimers"),
        ("loop", "LoopPlan"),
        ("rowbuffer", "RowBuffer"),
        ("deflate", "DeflateRing"),
    ],
)
def test_twins_have_the_same_public_names(c, cls):
    mod, name = cls
    assert _public(getattr(c[mod], name)) == _public(getattr(PY[mod], name))
    assert _public(c[mod]) >= set(c[mod].__all__)
    assert set(c[mod].__all__) == set(PY[mod].__all__)


def test_iteration_timers_attributes_are_read_only(c):
    for mods in (c, PY):
        it = _iteration_timers(mods)
        for name in ("full_iteration", "model_iteration", "write_data"):
            with pytest.raises(AttributeError):
                setattr(it, name, mods["timing"].Timer("x"))
        assert it.columns == () and it.rows is None
        assert not hasattr(it, "now")


def test_loop_plan_attributes_can_be_set_in_both(c):
    for mods in (c, PY):
        plan = mods["loop"].LoopPlan(model=None)
        plan.num_steps = 7
        plan.perform_step = print
        assert (plan.num_steps, plan.perform_step) == (7, print)
        assert (plan.write_every, plan.time_writes) == (1, True)
        assert plan.signal_info == {}


def _error(call):
    try:
        call()
    except Exception as exc:  # the type and the text are compared
        return type(exc), str(exc)
    return None


BAD_CALLS = {
    "timers not Timers": lambda m: m["loop"].IterationTimers(1, 2, 3),
    "columns not Timers": lambda m: _iteration_timers(m, ["a"]),
    "rows not a buffer": lambda m: _iteration_timers(m, (), rows=[]),
    "rows of the wrong shape": lambda m: _iteration_timers(
        m, (), m["rowbuffer"].RowBuffer("r", (2,), "f8", print)
    ),
    "two clocks": lambda m: m["loop"].IterationTimers(
        m["timing"].Timer("a"),
        m["timing"].Timer("b", time_func=float),
        m["timing"].Timer("c"),
    ),
    "plan timers": lambda m: m["loop"].LoopPlan(model=None, timers=5),
    "plan signal_info": lambda m: m["loop"].LoopPlan(
        model=None, signal_info=[]
    ),
    "plan huge num_steps": lambda m: m["loop"].LoopPlan(
        model=None, num_steps=2**63
    ),
    "plan float time": lambda m: m["loop"].LoopPlan(model=None, time=1.5),
    "plan write_every": lambda m: m["loop"].LoopPlan(
        model=None, write_every=0
    ),
    "buffer bad name": lambda m: m["rowbuffer"].RowBuffer(1, (), "f8", print),
    "buffer object dtype": lambda m: m["rowbuffer"].RowBuffer(
        "r", (), object, print
    ),
    "buffer append wrong shape": lambda m: m["rowbuffer"]
    .RowBuffer("r", (2,), "f8", print)
    .append(np.zeros(3)),
}


@pytest.mark.parametrize("what", list(BAD_CALLS))
def test_twins_raise_the_same_errors(c, what):
    got_c, got_py = _error(lambda: BAD_CALLS[what](c)), _error(
        lambda: BAD_CALLS[what](PY)
    )
    assert got_c is not None and got_c == got_py


@pytest.mark.parametrize(
    "mod, obj",
    [
        ("loop", "IterationTimers"),
        ("loop", "IterationTimers.write"),
        ("loop", "LoopPlan"),
        ("loop", "run_iterations"),
        ("rowbuffer", "RowBuffer"),
        ("deflate", "DeflateRing"),
        ("deflate", "DeflateRing.put"),
        ("deflate", "DeflateRing.lend"),
        ("deflate", "DeflateRing.wait_done"),
        ("deflate", "DeflateRing.pop"),
        ("deflate", "DeflateRing.compress"),
        ("deflate", "write_chunk"),
    ],
)
def test_twins_take_the_same_arguments(c, mod, obj):
    """Callers may pass any argument by name: the names must agree."""

    def find(m):
        out = m[mod]
        for part in obj.split("."):
            out = getattr(out, part)
        return out

    assert plain_signature(find(c)) == plain_signature(find(PY))
