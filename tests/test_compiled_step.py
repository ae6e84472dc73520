"""Compiled steps (``utopya_backend.cstep``): a step written in Cython runs
in the run loop with signals, errors, timers and the writer as a Python
step has them. The compiled loop calls it through the vtable, the twin
through Python; both must give the same run.
"""

from __future__ import annotations

import signal

import h5py
import numpy as np
import pytest
from _models import BenchWalker, Walker, output_path

try:
    from utopya_backend import cstep
except ImportError as exc:  # a pure-Python install says why
    pytest.skip(f"needs the compiled core ({exc})", allow_module_level=True)


class CWalker(Walker):
    """A walker whose step is compiled; ``step`` is set by each test."""

    USE_SYS_EXIT = False
    step = None

    def setup(self, **cfg):
        super().setup(**cfg)
        self.perform_step = self.step


class BenchCWalker(BenchWalker, CWalker):
    pass


def _run(cls, make_cfg, step, **cfg):
    cls = type(cls.__name__, (cls,), dict(step=step))
    m = cls(cfg_file_path=make_cfg(**cfg))
    return m, m.run()


def test_the_step_runs_with_the_models_counters(use_impl, make_cfg):
    step = cstep._CountStep()
    m, code = _run(CWalker, make_cfg, step, num_steps=7)
    assert code == 0 and step.count == 7
    assert (m.time, m.n_iterations) == (7, 7)
    assert (step.counters.time, step.counters.n_iterations) == (7, 7)


@pytest.mark.parametrize("sig", [signal.SIGUSR1, signal.SIGTERM])
def test_a_signal_in_a_compiled_step_stops_the_run_at_once(
    use_impl, make_cfg, sig
):
    """The step raises the signal in C: no Python code runs until the
    loop checks, so the loop itself must notice it in that iteration."""
    step = cstep._CountStep(signal_at=3, signum=int(sig))
    cls = type("C", (CWalker,), dict(step=step))
    m = cls(cfg_file_path=make_cfg(num_steps=10**6))
    m._attach_signal_handlers()
    assert m.run() == 128 + sig
    assert (m.time, m.n_iterations, step.count) == (3, 3, 3)


def test_a_raising_step_ends_the_run_like_a_python_step(use_impl, make_cfg):
    step = cstep._CountStep(raise_at=4)
    cls = type("C", (CWalker,), dict(step=step))
    m = cls(cfg_file_path=make_cfg(num_steps=10))
    with pytest.raises(RuntimeError, match="step 4 failed"):
        m.run()
    # The three finished steps were written, and the file is closed.
    assert m.time == 3 and m.n_iterations == 3
    with h5py.File(output_path(m._cfg_file_path), "r") as f:
        assert f["MyModel/x"].shape[0] == 4  # times 0 to 3


def test_the_base_step_says_what_to_override(use_impl, make_cfg):
    cls = type("C", (CWalker,), dict(step=cstep.CStep()))
    m = cls(cfg_file_path=make_cfg(num_steps=3))
    with pytest.raises(NotImplementedError, match="must override 'cdef int"):
        m.run()


def test_the_benchmark_mixin_times_a_compiled_step(use_impl, make_cfg):
    step = cstep._CountStep()
    m, code = _run(BenchCWalker, make_cfg, step, num_steps=50)
    assert code == 0 and step.count == 50
    assert m.timers["model_iteration"].invocations == 50
    assert m.timers["full_iteration"].invocations == 50
    full, inner = (
        m.timers[k].elapsed for k in ("full_iteration", "model_iteration")
    )
    assert 0 < inner <= full


class Series(Walker):
    """Writes a scalar and a 2-vector series, from C or from Python."""

    USE_SYS_EXIT = False
    from_c = True

    def setup(self, **cfg):
        super().setup(**cfg)
        self.a = self.create_ts_writer("a")
        self.b = self.create_ts_writer("b", extra_dims=("k",), sizes={"k": 2})
        if self.from_c:
            self.perform_step = cstep._AppendStep(
                cstep.RowWriter(self.a), cstep.RowWriter(self.b)
            )

    def perform_step(self):
        t = float(self.time)
        self.a.append(t / 2)
        self.b.append(np.array([t, -t]))


@pytest.mark.c_extension
def test_rows_appended_from_cython_equal_those_from_python(make_cfg):
    out = {}
    for from_c in (True, False):
        cls = type("S", (Series,), dict(from_c=from_c))
        m = cls(cfg_file_path=make_cfg(num_steps=9))
        assert m.run() == 0
        with h5py.File(output_path(m._cfg_file_path), "r") as f:
            g = f["MyModel"]
            out[from_c] = {k: (g[k][()], dict(g[k].attrs)) for k in ("a", "b")}
    for k in ("a", "b"):
        np.testing.assert_array_equal(out[True][k][0], out[False][k][0])
        assert out[True][k][1].keys() == out[False][k][1].keys()
    assert out[True]["a"][0].tolist() == [t / 2 for t in range(9)]


@pytest.mark.c_extension
def test_a_row_writer_checks_the_row_like_append(make_cfg):
    m = Series(cfg_file_path=make_cfg(num_steps=2))
    with pytest.raises(TypeError, match="RowWriter needs a time-series"):
        cstep.RowWriter(object())
    b = cstep.RowWriter(m.b)
    step = cstep._AppendStep(b, b)  # a double into rows of two values
    with pytest.raises(
        ValueError,
        match="Cannot append a double to .*b'?: its rows have shape",
    ):
        step()


def test_the_interface_is_installed_for_cimport():
    import os

    here = os.path.dirname(cstep.__file__)
    assert os.path.isfile(os.path.join(here, "cstep.pxd"))


# .. Step functions: capsules, __pyx_capi__, numba ............................


def _counting_model(make_cfg, source, n=5):
    cls = type("F", (CWalker,), dict(step=source))
    return cls(cfg_file_path=make_cfg(num_steps=n))


def test_a_capsule_step_is_called_with_its_user_data(use_impl, make_cfg):
    count = np.zeros(1, dtype=np.int64)
    step = cstep.FuncStep(cstep._demo_capsule(), user_data=count)
    m = _counting_model(make_cfg, step, n=6)
    assert m.run() == 0
    assert count[0] == 6 and (m.time, m.n_iterations) == (6, 6)


def test_a_pyx_capi_function_is_a_step(use_impl, make_cfg):
    count = np.zeros(1, dtype=np.int64)
    step = cstep.FuncStep((cstep, "_demo_count"), user_data=count)
    assert _counting_model(make_cfg, step, n=4).run() == 0
    assert count[0] == 4


def test_a_bare_capsule_is_resolved_when_the_run_starts(use_impl, make_cfg):
    import ctypes

    calls = []
    proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
    func = proto(lambda data: calls.append(data) or 0)
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)
    capsule = new(ctypes.cast(func, ctypes.c_void_p), b"int (void *)", None)
    assert _counting_model(make_cfg, capsule, n=3).run() == 0
    assert calls == [None] * 3


def test_a_failing_step_function_ends_the_run(use_impl, make_cfg):
    import ctypes

    proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
    func = proto(lambda data: 7)
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)
    capsule = new(ctypes.cast(func, ctypes.c_void_p), b"int (void *)", None)
    m = _counting_model(make_cfg, cstep.FuncStep(capsule))
    with pytest.raises(RuntimeError, match="returned 7"):
        m.run()
    assert m.n_iterations == 0


@pytest.mark.parametrize(
    "source, error, text",
    [
        (object(), TypeError, "Cannot make a C step of"),
        ((cstep, "nope"), ValueError, "exports no C function 'nope'"),
    ],
)
def test_a_step_source_that_is_no_c_function_is_named(source, error, text):
    with pytest.raises(error, match=text):
        cstep.FuncStep(source)


def test_a_capsule_of_another_signature_is_refused():
    import ctypes

    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)
    capsule = new(1, b"double (double)", None)
    with pytest.raises(ValueError, match="must be named 'int \\(void \\*\\)'"):
        cstep.FuncStep(capsule)


def test_a_numba_cfunc_is_a_step(use_impl, make_cfg):
    numba = pytest.importorskip("numba")
    from numba import types

    @numba.cfunc(types.int32(types.voidptr))
    def count(data):
        arr = numba.carray(data, (1,), dtype=np.int64)
        arr[0] += 1
        return 0

    counter = np.zeros(1, dtype=np.int64)
    step = cstep.FuncStep(count, user_data=counter)
    assert _counting_model(make_cfg, step, n=5).run() == 0
    assert counter[0] == 5


def test_a_numba_cfunc_of_another_signature_is_refused():
    numba = pytest.importorskip("numba")
    from numba import types

    @numba.cfunc(types.float64(types.float64))
    def half(x):
        return x / 2

    with pytest.raises(ValueError, match="int32\\(voidptr\\), got"):
        cstep.FuncStep(half)
