"""Hand-made mutants of the compiled core (mutmut cannot mutate ``.pyx``).

Each mutant is one realistic fault: a snippet that must occur exactly once
in all ``.pyx``/``.pxd`` files under ``src/`` and its replacement. The
snippet is searched for in every such file (not a fixed file name), so the
table survives moving code between files. ``run_pyx_mutants.py`` applies
each to a scratch copy, rebuilds the extension and runs the tests of
``TESTS`` for the base name of the file the snippet was found in.

``EQUIVALENT`` lists the mutants judged equivalent (no input can tell them
apart), with the reason; the runner does not fail on them.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple


class Mutant(NamedTuple):
    id: str
    original: str
    replacement: str
    description: str
    # Extra test selection (pytest node ids), added to the file's TESTS.
    tests: Tuple[str, ...] = ()


# Test files per source base name (a file moved to a subpackage keeps its
# base name; a split-off file, e.g. ``_itimers.pyx``, maps here too).
_CORE = (
    "tests/test_parity.py",
    "tests/test_benchmark.py",
    "tests/test_model.py",
)
TESTS = {
    "_timing": (
        "tests/test_core_edges.py",
        "tests/test_timing.py",
        "tests/test_timer_twin_behaviour.py",
        "tests/test_timerstats_behaviour.py",
        "tests/test_stats.py",
        "tests/test_loop_behaviour.py",
        *_CORE,
    ),
    "_loop": (
        "tests/test_core_edges.py",
        "tests/test_loop_behaviour.py",
        "tests/test_loop_state.py",
        "tests/test_compiled_step.py",
        *_CORE,
    ),
    "_rowbuffer": (
        "tests/test_core_edges.py",
        "tests/test_rowbuffer.py",
        "tests/test_rowbuffer_trust.py",
        "tests/test_writer_edges.py",
        "tests/test_compiled_step.py",
        "tests/test_loop_behaviour.py",
        *_CORE,
    ),
    "cstep": (
        "tests/test_core_edges.py",
        "tests/test_compiled_step.py",
        "tests/test_loop_behaviour.py",
        "tests/test_loop_state.py",
        *_CORE,
        # RowWriter.append_view from cimporting code (slow: a build)
        "tests/test_core_cimport.py",
    ),
}
TESTS["_deflate"] = (
    "tests/test_deflate_ring.py",
    "tests/test_chunksink_behaviour.py",
)
TESTS["_itimers"] = TESTS["_loop"]
# The clock origins serve the timers (and, through them, the run loop).
TESTS["_timefunc"] = (*TESTS["_timing"], "tests/test_timefunc_mutation.py")

# The tests that compile a Cython module cimporting Timer (slow: a build).
_CIMPORT = ("tests/test_core_cimport.py",)

MUTANTS = (
    # .. _timing.pyx / _timing.pxd ..........................................
    Mutant(
        "timing-round",
        "return <int64_t>floor(seconds * 1e9 + 0.5)",
        "return <int64_t>(seconds * 1e9)",
        "seconds to ns truncates instead of rounding half up",
    ),
    Mutant(
        "timing-range-upper",
        "if not -_MAX_READING_NS < ns < _MAX_READING_NS:",
        "if not -_MAX_READING_NS < ns:",
        "readings far above the clock origin are not refused",
    ),
    Mutant(
        "timing-finite",
        "if not isfinite(reading):",
        "if reading != reading:",
        "only NaN is refused as a reading, not infinity",
    ),
    Mutant(
        "timing-origin-per-timer",
        "timer._origin = _clock_origin(timer._time_func, reading)",
        "timer._origin = reading",
        "each timer takes its first reading as origin, not the clock's",
    ),
    Mutant(
        "timing-unpause-count",
        "self._running = True\n            self._invocations += 1\n"
        "        return 0",
        "self._running = True\n        return 0",
        "start() of a timer does not count an invocation",
    ),
    Mutant(
        "timing-unpause-running",
        "if not self._running:\n            self._latest_ns = now",
        "if True:\n            self._latest_ns = now",
        "starting a running timer restarts its segment",
    ),
    Mutant(
        "timing-pause-accumulate",
        "self._elapsed_ns += now - self._latest_ns",
        "self._elapsed_ns = now - self._latest_ns",
        "a pause overwrites the elapsed time instead of adding to it",
    ),
    Mutant(
        "timing-pause-stats",
        "ub_tstats_record(self._stats, now - self._latest_ns)",
        "pass",
        "a pause on a custom clock records no segment statistics",
    ),
    Mutant(
        "timing-pause-paused",
        "if not self._running:\n            with gil:\n"
        "                raise RuntimeError(",
        "if False:\n            with gil:\n"
        "                raise RuntimeError(",
        "pausing a paused timer is not refused",
    ),
    Mutant(
        "timing-pause-one-shot",
        "if self._one_shot:\n            self._finished = True",
        "if False:\n            self._finished = True",
        "a one-shot timer on a custom clock is not finished by its pause",
    ),
    Mutant(
        "timing-elapsed-segment",
        "return self._elapsed_ns + (now - self._latest_ns)",
        "return self._elapsed_ns",
        "elapsed of a running timer leaves out the current segment",
    ),
    Mutant(
        "timing-elapsed-clock",
        "if self._time_func is not None:\n            now = self._now()",
        "if False:\n            now = self._now()",
        "elapsed at a reading of another clock is not re-read on the "
        "timer's own clock",
    ),
    Mutant(
        "timing-c-unpause-one-shot",
        "if self._one_shot:\n            with gil:\n"
        "                self._raise_one_shot()",
        "if False:\n            with gil:\n"
        "                self._raise_one_shot()",
        "c_unpause of a one-shot timer is not refused",
        _CIMPORT,
    ),
    Mutant(
        "timing-c-pause-clock",
        "return self._pause_at(self._now())",
        "return self._pause_at(ub_monotonic_ns())",
        "c_pause reads the default clock, not the timer's time_func",
        _CIMPORT,
    ),
    Mutant(
        "timing-unpause-clock",
        "ub_monotonic_ns() if self._time_func is None else self._now()",
        "ub_monotonic_ns()",
        "unpause() reads the default clock, ignoring time_func",
    ),
    Mutant(
        "timing-unpause-finished",
        "if self._finished:\n            self._raise_finished()\n"
        "        if not self._running:",
        "if not self._running:",
        "unpause() of a finished timer is not refused",
    ),
    Mutant(
        "timing-pause-finish-one-shot",
        "self._finished = self._one_shot",
        "self._finished = False",
        "pause() of a one-shot timer does not finish it",
    ),
    Mutant(
        "timing-pause-hot-running",
        "if self._running and not self._finished and "
        "self._time_func is None:",
        "if not self._finished and self._time_func is None:",
        "pause() of a paused timer takes the hot path (no error)",
    ),
    Mutant(
        "timing-pause-hot-stats",
        "ub_tstats_record(self._stats, d)",
        "pass",
        "pause() records no segment statistics",
    ),
    Mutant(
        "timing-stop-pause",
        "if self._running:\n            self._pause_at(self._now())\n"
        "        self._finished = True",
        "self._finished = True",
        "stop() of a running timer drops the running segment",
    ),
    Mutant(
        "timing-stop-finished",
        "if self._finished:\n            self._raise_finished()\n"
        "        if self._running:",
        "if self._running:",
        "stop() of a finished timer is not refused",
    ),
    Mutant(
        "timing-reset-invocations",
        "self._invocations = 0\n",
        "\n",
        "reset() keeps the invocation count",
    ),
    Mutant(
        "timing-reset-stats",
        "self._finished = False\n        if self._stats is not NULL:\n"
        "            ub_tstats_clear(self._stats)",
        "self._finished = False",
        "reset() keeps the segment statistics",
    ),
    Mutant(
        "timing-str-finished",
        'state = ", finished"',
        'state = ""',
        "str() of a finished timer does not say so",
    ),
    Mutant(
        "timing-reduce-origin",
        '"clock_origin": self._origin if self._has_origin else None,',
        '"clock_origin": None,',
        "a pickled timer forgets its clock's origin",
    ),
    Mutant(
        "timing-setstate-shift",
        "self._latest_ns += _relative_ns(self, origin)",
        "self._latest_ns -= _relative_ns(self, origin)",
        "a copied running timer shifts its segment start the wrong way",
    ),
    Mutant(
        "timing-setstate-sumsq-hi",
        "self._stats.sumsq_hi = sumsq >> 64",
        "self._stats.sumsq_hi = 0",
        "restored statistics lose the high word of the sum of squares",
    ),
    Mutant(
        "timing-stats-sumsq-hi",
        "(<object>self._stats.sumsq_hi << 64) | self._stats.sumsq_lo,",
        "<object>self._stats.sumsq_lo,",
        "stats leaves out the high word of the sum of squares",
    ),
    Mutant(
        "timing-state-last-bucket",
        "for i in range(UB_HIST_BUCKETS)",
        "for i in range(UB_HIST_BUCKETS - 1)",
        "the pickled histogram drops its last bucket",
    ),
    Mutant(
        "timing-one-shot-stats",
        "if self._one_shot:\n            PyMem_Free(self._stats)",
        "if False:\n            PyMem_Free(self._stats)",
        "one-shot timers keep statistics (stats is not None)",
    ),
    Mutant(
        "timing-check-callable",
        "if time_func is not None and not callable(time_func):\n"
        "            raise TypeError(\n"
        "                f\"time_func of timer '{name}'",
        "if False:\n            raise TypeError(\n"
        "                f\"time_func of timer '{name}'",
        "a non-callable time_func is accepted at construction",
    ),
    Mutant(
        "timing-pxd-seconds",
        "return <double>ns / 1e9",
        "return <double>ns / 1e6",
        "ns to seconds divides by the wrong power of ten (in the .pxd)",
    ),
    # .. _timefunc.pyx ......................................................
    Mutant(
        "timefunc-no-registry",
        "return _CLOCK_ORIGINS.setdefault(time_func, reading)",
        "return reading",
        "every timer's first reading is its origin: no origin per clock",
    ),
    Mutant(
        "timefunc-overwrite",
        "return _CLOCK_ORIGINS.setdefault(time_func, reading)",
        "_CLOCK_ORIGINS[time_func] = reading\n        return reading",
        "a later timer's first reading replaces the clock's origin",
    ),
    Mutant(
        "timefunc-origin-zero",
        "return _CLOCK_ORIGINS.setdefault(time_func, reading)",
        "return _CLOCK_ORIGINS.setdefault(time_func, 0.0)",
        "a remembered clock counts from 0 s, not from its first reading",
    ),
    Mutant(
        "timefunc-strong-keys",
        "_CLOCK_ORIGINS = weakref.WeakKeyDictionary()",
        "_CLOCK_ORIGINS = {}",
        "the registry keeps every clock alive (a leak)",
    ),
    Mutant(
        "timefunc-except-type",
        "except TypeError:  # unhashable or not weak-referenceable",
        "except ValueError:  # unhashable or not weak-referenceable",
        "an unhashable clock raises instead of counting from 0 s",
    ),
    Mutant(
        "timefunc-fallback-reading",
        "        return 0.0",
        "        return reading",
        "an unhashable clock's origin is each timer's first reading",
    ),
    Mutant(
        "timefunc-reading-int",
        "def _clock_origin(time_func, double reading):",
        "def _clock_origin(time_func, long long reading):",
        "the origin is taken as a C integer, not the exact float reading",
    ),
    Mutant(
        "timefunc-reading-float32",
        "def _clock_origin(time_func, double reading):",
        "def _clock_origin(time_func, float reading):",
        "the origin is rounded to single precision (about 1000 s at 1e10 s)",
    ),
    # .. _loop.pyx / _loop.pxd ..............................................
    Mutant(
        "loop-one-clock",
        "}) != 1:",
        "}) > 2:",
        "iteration timers on two different clocks are accepted",
    ),
    Mutant(
        "loop-write-pause-reading",
        "t1 = self.now()\n        self.write_data._pause_at(t1)",
        "t1 = self.now()\n        self.write_data._pause_at(t0)",
        "write_data is paused at its start reading (swapped readings)",
    ),
    Mutant(
        "loop-write-block-time",
        "self.write_data._elapsed_ns += self.now() - t1",
        "pass",
        "a block handed over by the row is not timed as the write",
    ),
    Mutant(
        "loop-row-last-column",
        "for i in range(len(self.columns)):",
        "for i in range(len(self.columns) - 1):",
        "the last column of a row is not filled",
    ),
    Mutant(
        "loop-row-running",
        "(<Timer>self.columns[i])._elapsed_ns_at(t1)",
        "(<Timer>self.columns[i])._elapsed_ns",
        "a running column's current segment is left out of the row",
    ),
    Mutant(
        "loop-row-commit-swap",
        "return 1 if self.rows._commit(n_iterations) else 0",
        "return 0 if self.rows._commit(n_iterations) else 1",
        "the block flag of a row is inverted",
    ),
    Mutant(
        "loop-untimed-row",
        "write_func()\n        self.record_row(self.now(), n_iterations)",
        "write_func()",
        "an untimed write records no row",
    ),
    Mutant(
        "loop-to-write-start",
        "if write_start > step:",
        "if write_start >= step:",
        "a write start at the current time counts down from 0",
    ),
    Mutant(
        "loop-to-write-offset",
        "to_write = <uint64_t>write_start - <uint64_t>step",
        "to_write = <uint64_t>write_start - <uint64_t>step + 1",
        "the first write after a later write_start is one step late",
    ),
    Mutant(
        "loop-to-write-phase",
        "to_write = write_every - (\n"
        "            (<uint64_t>step - <uint64_t>write_start) "
        "% <uint64_t>write_every\n        )",
        "to_write = write_every",
        "a run resumed off the write grid writes off the grid",
    ),
    Mutant(
        "loop-num-steps",
        "if step >= num_steps:",
        "if step > num_steps:",
        "a stepping run makes one step too many",
    ),
    Mutant(
        "loop-reuse-end-reading",
        "t = t_end if have_t and stepwise else timers.now()",
        "t = timers.now()",
        "an iteration starts at a new reading: gaps between iterations",
    ),
    Mutant(
        "loop-pre-iterate-reading",
        "pre_iterate()\n            if timed:\n"
        "                t = timers.now()",
        "pre_iterate()",
        "model_iteration includes the pre_iterate hook",
    ),
    Mutant(
        "loop-mirror-time",
        "if mirror:\n                model._time = step",
        "if False:\n                model._time = step",
        "the model's _time is not kept up to date",
    ),
    Mutant(
        "loop-mirror-n",
        "if mirror:\n            model._n_iterations = n",
        "if False:\n            model._n_iterations = n",
        "the model's _n_iterations is not kept up to date",
    ),
    Mutant(
        "loop-deadline-advance",
        "clock.deadline = on_deadline(t)\n                hooked = True",
        "on_deadline(t)\n                hooked = True",
        "the next deadline from on_deadline is ignored (timed loop)",
    ),
    Mutant(
        "loop-tick-stride-reset",
        "clock.stride = 1  # look closely again after a deadline",
        "pass",
        "after a deadline the clock is not read every iteration again",
    ),
    Mutant(
        "loop-check-always",
        "if plan.check_signals_always:\n        return True",
        "if False:\n        return True",
        "check_signals_always does not call check_signals",
    ),
    Mutant(
        "loop-flag-record",
        'if signal_info["got_signal"]:\n            return True',
        "if True:\n            return True",
        "a set flag calls check_signals though the record was reset",
    ),
    Mutant(
        "loop-signal-before-run",
        'if signal_info.get("got_signal"):\n        flag[0] = 1',
        "if False:\n        flag[0] = 1",
        "a signal recorded before the run is not noticed",
    ),
    Mutant(
        "loop-stop-pause",
        "timers.full_iteration._pause_at(timers.now())\n    return code",
        "pass\n    return code",
        "a signal stop leaves full_iteration running",
    ),
    Mutant(
        "loop-fast-write",
        "to_write = write_every\n            write_data()",
        "to_write = write_every",
        "the compiled-step fast loop never writes",
    ),
    Mutant(
        "loop-fast-time",
        "counters.time = step\n        counters.n_iterations = n\n"
        "        left -= 1",
        "counters.n_iterations = n\n        left -= 1",
        "the compiled-step fast loop does not update time",
    ),
    Mutant(
        "loop-fast-signal",
        "if code is not None:\n                return code\n    return None",
        "pass\n    return None",
        "the compiled-step fast loop ignores a stopping signal",
    ),
    Mutant(
        "loop-fast-post-iterate",
        "and pre_iterate is None and post_iterate is None",
        "and pre_iterate is None",
        "post_iterate is skipped by the compiled-step fast loop",
    ),
    Mutant(
        "loop-end-reading",
        "t_end = timers.now() if hooked else t",
        "t_end = t",
        "full_iteration ends at the step's end, leaving out writes/hooks",
    ),
    Mutant(
        "loop-bind-counters",
        "cstep.counters = counters",
        "pass",
        "a compiled step does not see the model's counters",
    ),
    Mutant(
        "loop-write-every",
        "do_write = to_write == 0\n            if do_write:\n"
        "                to_write = write_every",
        "do_write = to_write == 0\n            if do_write:\n"
        "                to_write = write_every - 1",
        "writes after the first come one step early",
    ),
    Mutant(
        "loop-write-label",
        "timers.timed_write(write_data, n)",
        "timers.timed_write(write_data, n - 1)",
        "a timed write's row is labelled one iteration early",
    ),
    Mutant(
        "loop-pxd-rows-hidden",
        "cdef readonly RowBuffer rows",
        "cdef RowBuffer rows",
        "IterationTimers.rows is not visible from Python (in the .pxd)",
    ),
    # .. _rowbuffer.pyx .....................................................
    Mutant(
        "rows-written-count",
        "self._n_written += k",
        "pass",
        "handed-over rows are not counted as written",
    ),
    Mutant(
        "rows-pending-reset",
        "self._n_written += k\n        self._n_pending = 0",
        "self._n_written += k",
        "handed-over rows stay pending",
    ),
    Mutant(
        "rows-max",
        "self._n_written + self._n_pending >= self._max_rows",
        "self._n_written + self._n_pending > self._max_rows",
        "append accepts one row more than max_rows",
    ),
    Mutant(
        "rows-full-block",
        "if self._n_pending >= self._block_rows:",
        "if self._n_pending > self._block_rows:",
        "a full block left by a failed sink is written past its end",
    ),
    Mutant(
        "rows-commit-label",
        "if self._labelled:\n            self._labels[k] = label",
        "if False:\n            self._labels[k] = label",
        "appended rows get no label",
    ),
    Mutant(
        "rows-commit-block",
        "if self._n_pending == self._block_rows:\n"
        "            self._hand_over()\n            return 1",
        "if self._n_pending == self._block_rows - 1:\n"
        "            self._hand_over()\n            return 1",
        "a block is handed over one row before it is full",
    ),
    Mutant(
        "rows-label-attr",
        "return getattr(self._label_source, self._label_attr)",
        'return getattr(self._label_source, "_n_iterations")',
        "label_attr is ignored",
    ),
    Mutant(
        "rows-thread-check",
        "if self._owner != PyThread_get_thread_ident():\n"
        "            self._claim(what)",
        "if False:\n            self._claim(what)",
        "extend/flush/RowWriter do not check the thread",
    ),
    Mutant(
        "rows-append-thread",
        "if self._owner != PyThread_get_thread_ident():  # _check_thread",
        "if False:  # _check_thread",
        "append does not check the thread",
    ),
    Mutant(
        "rows-claim-thread",
        "self._owner_thread = me\n",
        "\n",
        "the owning thread is not remembered",
    ),
    Mutant(
        "rows-view-shape",
        "if view.shape[i] != self._row_shape[i]:\n                    break",
        "if False:\n                    break",
        "a row of another shape with as many values is copied raw",
    ),
    Mutant(
        "rows-view-format",
        "and strcmp(view.format, <const char *>self._format) == 0",
        "and True",
        "a row of another dtype with as many bytes is copied raw",
    ),
    Mutant(
        "rows-contiguous",
        "if not value.flags.c_contiguous:",
        "if False:",
        "a non-contiguous row is copied as raw memory",
    ),
    Mutant(
        "rows-f4-scalar",
        "(<float *>dst)[0] = <float>v\n",
        "(<double *>dst)[0] = v\n",
        "a float32 scalar is stored as a double",
    ),
    Mutant(
        "rows-f8-native",
        "if self._row_ndim == 0 and dt == np.float64 and dt.isnative:",
        "if self._row_ndim == 0 and dt == np.float64:",
        "a big-endian float64 scalar is stored in native byte order",
    ),
    Mutant(
        "rows-extend-max",
        "if self._has_max and len(self) + n > self._max_rows:",
        "if self._has_max and len(self) + n >= self._max_rows:",
        "extend cannot fill the buffer up to max_rows",
    ),
    Mutant(
        "rows-extend-chunk",
        "m = min(n - i, self._block_rows - k)",
        "m = min(n - i, self._block_rows)",
        "extend ignores the rows already pending in the block",
    ),
    Mutant(
        "rows-extend-labels",
        "if self._labelled:\n"
        "                self._labels_arr[k:k + m] = label",
        "if False:\n                self._labels_arr[k:k + m] = label",
        "extended rows get no label",
    ),
    Mutant(
        "rows-flush-thread",
        'if self._n_pending:\n            self._check_thread("flush")',
        'if False:\n            self._check_thread("flush")',
        "flush does not check the thread",
    ),
    Mutant(
        "rows-len",
        "return self._n_written + self._n_pending",
        "return self._n_written",
        "len() leaves out the pending rows",
    ),
    Mutant(
        "rows-max-clamp",
        "min(max_rows, 2**63 - 1)",
        "max_rows",
        "a max_rows beyond int64 is not clamped",
    ),
    Mutant(
        "rows-labelled-source",
        "self._labelled = labelled or label_source is not None",
        "self._labelled = labelled",
        "a label source alone does not label the rows",
    ),
    Mutant(
        "rows-max-zero",
        "or max_rows < 0\n",
        "or max_rows < 1\n",
        "max_rows=0 is refused",
    ),
    Mutant(
        "rows-hand-over-empty",
        "if k == 0:\n            return 0",
        "if False:\n            return 0",
        "flush of an empty buffer calls the sink with no rows",
    ),
    Mutant(
        "rows-flush-missing",
        "return self._hand_over()",
        "return 0",
        "flush hands nothing to the sink",
    ),
    Mutant(
        "rows-slot-flush",
        "if self._n_pending >= self._block_rows:\n"
        "            self._hand_over()",
        "if self._n_pending >= self._block_rows:\n            pass",
        "a full block left by a failed sink is not handed over again",
    ),
    Mutant(
        "rows-extend-flush",
        "if self._n_pending == self._block_rows:\n"
        "                self._hand_over()",
        "if self._n_pending == self._block_rows:\n                pass",
        "extend leaves a block it filled pending",
    ),
    # .. cstep.pyx / cstep.pxd ..............................................
    Mutant(
        "cstep-counters-swap",
        "self.time = time\n        self.n_iterations = n_iterations",
        "self.time = n_iterations\n        self.n_iterations = time",
        "LoopCounters swaps its arguments",
    ),
    Mutant(
        "cstep-call",
        '"""Run one step (what a Python loop calls)."""\n'
        "        self.step()",
        '"""Run one step (what a Python loop calls)."""',
        "calling a CStep from Python runs no step",
    ),
    Mutant(
        "cstep-scalar-f4",
        "self._scalar_f4 = scalar and dtype == np.float32",
        "self._scalar_f4 = False",
        "append_double refuses a float32 scalar series",
    ),
    Mutant(
        "cstep-rows-f4",
        "self._rows_f4 = dtype == np.float32",
        "self._rows_f4 = False",
        "float32 rows get raw doubles",
    ),
    Mutant(
        "cstep-n-f4",
        "if dtype == np.float64 or self._rows_f4 else -1",
        "if dtype == np.float64 else -1",
        "append_row refuses float32 rows",
    ),
    Mutant(
        "cstep-double-shape",
        "if not (self._scalar_f8 or self._scalar_f4):\n"
        '            self._wrong_row("a double")',
        'if False:\n            self._wrong_row("a double")',
        "append_double to a series of rows is not refused",
    ),
    Mutant(
        "cstep-double-thread",
        'self.buffer._check_thread("append to")\n'
        "        label = self.buffer._label()\n"
        "        dst = self.buffer._slot()\n"
        "        if self._scalar_f8:",
        "label = self.buffer._label()\n"
        "        dst = self.buffer._slot()\n"
        "        if self._scalar_f8:",
        "append_double does not check the thread",
    ),
    Mutant(
        "cstep-double-f4",
        "(<float *>dst)[0] = <float>value",
        "(<double *>dst)[0] = value",
        "append_double stores a float32 scalar as a double",
    ),
    Mutant(
        "cstep-row-count",
        "if n != self._n:",
        "if n > self._n:",
        "append_row accepts too few values",
    ),
    Mutant(
        "cstep-row-thread",
        'self.buffer._check_thread("append to")\n'
        "        label = self.buffer._label()\n"
        "        dst = self.buffer._slot()\n"
        "        if self._rows_f4:",
        "label = self.buffer._label()\n"
        "        dst = self.buffer._slot()\n"
        "        if self._rows_f4:",
        "append_row does not check the thread",
    ),
    Mutant(
        "cstep-row-f4-last",
        "for i in range(n):\n                (<float *>dst)[i]",
        "for i in range(n - 1):\n                (<float *>dst)[i]",
        "append_row leaves the last float32 value out",
    ),
    Mutant(
        "cstep-row-stride",
        "memcpy(dst, values, n * sizeof(double))",
        "memcpy(dst, values, n * sizeof(float))",
        "append_row copies half the bytes of float64 rows",
    ),
    Mutant(
        "cstep-row-commit",
        "self.buffer._commit(label)\n        return 0\n\n"
        "    cdef int append_view",
        "return 0\n\n    cdef int append_view",
        "append_row never commits the row",
    ),
    Mutant(
        "cstep-rc-positive",
        "if rc != 0:",
        "if rc < 0:",
        "a C step returning a positive code does not stop the run",
    ),
    Mutant(
        "cstep-rc-no-error",
        "if not PyErr_Occurred():\n                raise RuntimeError(",
        "if False:\n                raise RuntimeError(",
        "a failing C step without an exception set raises nothing useful",
    ),
    Mutant(
        "cstep-user-data",
        "if user_data is not None:\n            ctx = _address(user_data)",
        "if False:\n            ctx = _address(user_data)",
        "FuncStep ignores user_data",
    ),
    Mutant(
        "cstep-address-int",
        "if isinstance(data, int):\n        return <void *><size_t>data",
        "if False:\n        return <void *><size_t>data",
        "an int address as user_data is refused",
    ),
    Mutant(
        "cstep-capsule-context",
        "ctx = PyCapsule_GetContext(source)",
        "ctx = NULL",
        "a capsule's context is not used as user data",
    ),
    Mutant(
        "cstep-capsule-name",
        "if sig != STEP_SIGNATURE:",
        "if sig is None:",
        "a capsule of another signature is accepted",
    ),
    Mutant(
        "cstep-as-step-capsule",
        "if PyCapsule_CheckExact(source) or (",
        "if (",
        "as_step does not turn a capsule into a FuncStep",
    ),
    Mutant(
        "cstep-capi-missing",
        "if not isinstance(capi, dict) or name not in capi:",
        "if not isinstance(capi, dict):",
        "a missing __pyx_capi__ entry raises KeyError, not ValueError",
    ),
    Mutant(
        "cstep-pxd-counters-hidden",
        "cdef readonly LoopCounters counters",
        "cdef LoopCounters counters",
        "CStep.counters is not visible from Python (in the .pxd)",
    ),
    # .. _deflate.pyx (the ring's C core, _dring.h, is not mutated here) ...
    Mutant(
        "deflate-level",
        "ub_ring_new(chunk_nbytes, n_slots, level, &why)",
        "ub_ring_new(chunk_nbytes, n_slots, 6, &why)",
        "the ring compresses at zlib's default level, not the dataset's",
    ),
    Mutant(
        "deflate-put-start-upper",
        "if not 0 <= start <= view.len:",
        "if not 0 <= start:",
        "put does not refuse a start past the end of the bytes",
    ),
    Mutant(
        "deflate-n-queued",
        "return r.tail - r.head",
        "return r.tail",
        "n_queued counts every chunk ever queued, not those still held",
    ),
    Mutant(
        "deflate-pop-release",
        "slot = r.head % r.n\n        r.head += 1",
        "slot = r.head % r.n",
        "pop returns the oldest chunk but keeps it in the ring",
    ),
    Mutant(
        "deflate-partial-slot",
        "<char *>r.in_ + (r.tail % r.n) * r.chunk, r.fill",
        "<char *>r.in_ + (r.head % r.n) * r.chunk, r.fill",
        "partial() reads the oldest queued slot, not the one being filled",
    ),
    Mutant(
        "deflate-write-ignores-failure",
        "if rc >= 0:\n            return",
        "if True:\n            return",
        "a chunk HDF5 refused is taken as written (no fallback, no error)",
    ),
)

# Mutants judged equivalent: id -> reason.
EQUIVALENT: dict = {
    "rows-f8-native": (
        "numpy's dtype equality includes the byte order: a dtype equal to "
        "np.float64 is native, so the isnative test is redundant"
    ),
}


def by_id(ident: str) -> Optional[Mutant]:
    """The mutant with this id, or None."""
    for m in MUTANTS:
        if m.id == ident:
            return m
    return None


assert len({m.id for m in MUTANTS}) == len(MUTANTS), "duplicate mutant ids"
