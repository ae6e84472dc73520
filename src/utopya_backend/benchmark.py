"""Benchmarking of model runs: timers for every phase, stored in the file.

:class:`ModelBenchmarkMixin` times a model's phases with the compiled
:class:`Timer`; the per-iteration timers are driven by the core run loop at C
speed, and their values at each data write go through a bounded row buffer
into the model's HDF5 group.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

import numpy as np

from . import _core, _stats
from ._core import Timer
from ._timefmt import format_time
from .io._layout import block_chunks, linked_coords
from .io._sink import DatasetSink
from .model import _config

if TYPE_CHECKING:  # pragma: no cover
    from .model import BaseModel as _MixinBase
else:
    _MixinBase = object

__all__ = [
    "DEFAULT_TIMERS_ONE_SHOT",
    "DEFAULT_TIMERS_CUMULATIVE",
    "Timer",
    "ModelBenchmarkMixin",
]

DEFAULT_TIMERS_ONE_SHOT: Tuple[str, ...] = (
    "init",
    "setup",
    "prolog",
    "run",
    "epilog",
    "teardown",
    "simulation",
)
"""Names of the one-shot timers of :class:`ModelBenchmarkMixin`."""

DEFAULT_TIMERS_CUMULATIVE: Tuple[str, ...] = (
    "model_iteration",
    "monitor",
    "write_data",
    "full_iteration",
)
"""Names of the cumulative timers of :class:`ModelBenchmarkMixin`."""

_DTYPES = ("float16", "float32", "float64")
_N_ITER_DSET = "cumulative_n_iterations"
_BOOL_OPTIONS = ("enabled", "show_on_exit", "add_to_monitor", "write")
# A sample row of the format keys of format_elapsed_info, to try a format.
_INFO_SAMPLE: Dict[str, Any] = dict(
    name="simulation",
    seconds=1.5,
    time_str="1.50s",
    w=10,
    max_seconds=3.0,
    percent_of_max=50.0,
    count=3,
    mean=0.5,
)
# Keyword arguments of format_elapsed_info that are not format keys.
_INFO_KWARGS: Dict[str, Tuple[Any, str]] = dict(
    sort=(lambda v: isinstance(v, bool), "true or false (a boolean)"),
    width=(
        lambda v: v is None
        or (isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        "null or an int >= 0",
    ),
    ms_precision=(
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "an int >= 0",
    ),
)


class ModelBenchmarkMixin(_MixinBase):
    """Time every phase of a model run and store the times in its file.

    Mix it in before the model class::

        class MyModel(ModelBenchmarkMixin, StepwiseModel):
            ...

    Options come from the model config's ``benchmark`` entry; see
    :meth:`_configure_benchmark`. At the end of :meth:`run` (also after a
    signal or an exception) all timers are stopped, the group
    ``benchmark`` holds ``total`` (every timer) and ``cumulative`` (one row
    per data write), and a summary is logged.
    """

    _TIMER_FALLBACK_RV: Any = -1
    """Returned by :meth:`pause_timer` and :meth:`stop_timer` when
    benchmarking is disabled."""

    _BENCHMARK_BLOCK_ROWS: Optional[int] = None
    """Rows of ``cumulative`` kept in memory between block writes; None
    for as many as fit in the row buffer's default block (1 MiB)."""

    _dgrp_bench: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._timers: Dict[str, Timer] = {}
        self._bench_enabled = True
        self._bench_write = False
        self._bench_done = False
        self._bench_iter_timers: Any = None
        self._bench_sink: Optional[DatasetSink] = None
        self._show_on_exit = True
        self._add_time_elapsed_to_monitor_info = False
        self._bench_cpu_start = _stats.process_cpu()
        self._add_default_timers()
        self.start_timer("simulation")
        self.start_timer("init")
        super().__init__(*args, **kwargs)
        self.stop_timer("init")

    def _add_default_timers(self) -> None:
        self.add_one_shot_timers(*DEFAULT_TIMERS_ONE_SHOT)
        self.add_cumulative_timers(*DEFAULT_TIMERS_CUMULATIVE)

    # .. Configuration ........................................................

    def _configure_benchmark(
        self,
        *,
        enabled: bool = True,
        show_on_exit: bool = True,
        add_to_monitor: bool = False,
        write: bool = True,
        group_name: str = "benchmark",
        compression: int = 3,
        dtype: str = "float32",
        info_fstr: str = "  {name:>15s} : {time_str:s}",
        info_kwargs: Optional[dict] = None,
    ) -> None:
        """Apply the ``benchmark`` options of the model config.

        Args:
            enabled: If false, timers stay at zero and nothing is written.
            show_on_exit: Log the timing summary at the end of the run.
            add_to_monitor: Add a ``timers`` entry (name -> seconds) to the
                model's monitor entries.
            write: Store the timers in the HDF5 file.
            group_name: Name of the group for the benchmark datasets.
            compression: gzip level (0-9) of the datasets.
            dtype: Float type of the datasets (float16/32/64).
            info_fstr: Line format of :attr:`elapsed_info`; see
                :meth:`format_elapsed_info` for the keys.
            info_kwargs: Keyword arguments for :meth:`format_elapsed_info`
                when :attr:`elapsed_info` is built.
        """
        self._bench_enabled = bool(enabled)
        self._show_on_exit = bool(show_on_exit)
        self._add_time_elapsed_to_monitor_info = bool(add_to_monitor)
        self._bench_write = bool(write) and self._bench_enabled
        self._bench_group_name = group_name
        self._bench_compression = compression
        self._bench_dtype = dtype
        self._time_elapsed_info_fstr = info_fstr
        self._time_elapsed_info_kwargs = dict(info_kwargs or {})
        if not self._bench_enabled:
            # Timers started before the config was read go back to zero.
            for timer in self._timers.values():
                timer.reset()
        elif self._bench_write:
            self._dgrp_bench = self.h5group.create_group(group_name)

    def _read_benchmark_cfg(self, bench_cfg: Any, model_name: str) -> dict:
        """Check the ``benchmark`` entry; errors name key, value and file."""
        path = getattr(self, "_cfg_file_path", "<unknown>")
        key = f"{model_name}.benchmark"
        if bench_cfg is None:
            return {}
        if not isinstance(bench_cfg, dict):
            raise _config.invalid(key, bench_cfg, path, "a mapping")
        params = inspect.signature(self._configure_benchmark).parameters
        valid = [p for p in params if params[p].kind is params[p].KEYWORD_ONLY]
        for opt in bench_cfg:
            if opt not in valid:
                raise _config.ConfigError(
                    f"Invalid option {opt!r} for key '{key}' in config file "
                    f"{path}; valid options: {', '.join(valid)}"
                )
        checks = {
            "dtype": (lambda v: v in _DTYPES, f"one of {', '.join(_DTYPES)}"),
            "compression": (
                lambda v: isinstance(v, int)
                and not isinstance(v, bool)
                and 0 <= v <= 9,
                "an int from 0 to 9",
            ),
            "group_name": (
                lambda v: isinstance(v, str) and v and "/" not in v,
                "a non-empty name without '/'",
            ),
            "info_fstr": (lambda v: isinstance(v, str), "a format string"),
            "info_kwargs": (
                lambda v: v is None or isinstance(v, dict),
                "a mapping",
            ),
        }
        for opt in _BOOL_OPTIONS:
            checks[opt] = (
                lambda v: isinstance(v, bool),
                "true or false (a boolean)",
            )
        for opt, (ok, expected) in checks.items():
            if opt in bench_cfg and not ok(bench_cfg[opt]):
                raise _config.invalid(
                    f"{key}.{opt}", bench_cfg[opt], path, expected
                )
        # A bad line format would only fail when the summary is built, at
        # the end of the run: try it now on a row of sample values.
        kwargs = dict(bench_cfg.get("info_kwargs") or {})
        fstr = kwargs.pop("info_fstr", bench_cfg.get("info_fstr"))
        fstr_key = f"{key}.info_kwargs.info_fstr"
        if "info_fstr" not in (bench_cfg.get("info_kwargs") or {}):
            fstr_key = f"{key}.info_fstr"
        for kw, (ok, expected) in _INFO_KWARGS.items():
            if kw in kwargs and not ok(kwargs.pop(kw)):
                raise _config.invalid(
                    f"{key}.info_kwargs.{kw}",
                    bench_cfg["info_kwargs"][kw],
                    path,
                    expected,
                )
        clash = [k for k in kwargs if k in _INFO_SAMPLE]
        if clash:
            raise _config.invalid(
                f"{key}.info_kwargs",
                clash[0],
                path,
                "extra format keys other than the built-in ones: "
                + ", ".join(_INFO_SAMPLE),
            )
        if fstr is not None:
            try:
                str(fstr).format(**_INFO_SAMPLE, **kwargs)
            except Exception as exc:
                raise _config.invalid(
                    fstr_key,
                    fstr,
                    path,
                    "a format string with the keys "
                    + ", ".join(list(_INFO_SAMPLE) + list(kwargs))
                    + f" ({type(exc).__name__}: {exc})",
                ) from None
        return bench_cfg

    # .. Adding and controlling timers ........................................

    def add_one_shot_timers(self, *names: str, **kwargs: Any) -> None:
        """Add timers that finish when first paused (or stopped)."""
        for name in names:
            self._add_timer(name, one_shot=True, **kwargs)

    def add_cumulative_timers(self, *names: str, **kwargs: Any) -> None:
        """Add timers that can be paused and unpaused any number of times.

        Their values go into the ``cumulative`` rows if added before the
        first data write.
        """
        for name in names:
            self._add_timer(name, one_shot=False, **kwargs)

    def _add_timer(self, name: str, *, one_shot: bool, **kwargs: Any) -> Timer:
        if not isinstance(name, str):
            raise TypeError(f"Timer names must be strings, got {name!r}")
        if name in self._timers:
            raise ValueError(
                f"A benchmark timer named '{name}' exists already"
            )
        timer = _core.Timer(name, one_shot=one_shot, **kwargs)
        self._timers[name] = timer
        return timer

    @property
    def timers(self) -> Dict[str, Timer]:
        """All timers by name, in the order they were added."""
        return self._timers

    def _get_timer(self, name: str) -> Timer:
        try:
            return self._timers[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"No benchmark timer named '{name}' was added; available "
                f"timers: {', '.join(self._timers)}"
            ) from None

    def start_timer(self, name: str) -> None:
        """Start the named timer (ignored when disabled)."""
        timer = self._get_timer(name)
        if self._bench_enabled:
            timer.start()

    def pause_timer(self, name: str) -> Union[float, Any]:
        """Pause the named timer; return its elapsed seconds (or -1 when
        disabled)."""
        timer = self._get_timer(name)
        if not self._bench_enabled:
            return self._TIMER_FALLBACK_RV
        return timer.pause()

    def unpause_timer(self, name: str) -> None:
        """Continue the named cumulative timer (ignored when disabled)."""
        timer = self._get_timer(name)
        if self._bench_enabled:
            timer.unpause()

    def stop_timer(self, name: str) -> Union[float, Any]:
        """Finish the named timer; return its elapsed seconds (or -1 when
        disabled)."""
        timer = self._get_timer(name)
        if not self._bench_enabled:
            return self._TIMER_FALLBACK_RV
        return timer.stop()

    # .. Timer values and summary .............................................

    @property
    def elapsed(self) -> Dict[str, float]:
        """Elapsed seconds of every timer."""
        return {k: t.elapsed for k, t in self._timers.items()}

    @property
    def elapsed_cumulative(self) -> Dict[str, float]:
        """Elapsed seconds of the cumulative timers."""
        return {
            k: t.elapsed for k, t in self._timers.items() if not t.one_shot
        }

    @property
    def elapsed_one_shot(self) -> Dict[str, float]:
        """Elapsed seconds of the one-shot timers."""
        return {k: t.elapsed for k, t in self._timers.items() if t.one_shot}

    @property
    def elapsed_info(self) -> str:
        """The timing summary, with the configured format and kwargs."""
        return self.format_elapsed_info(**self._time_elapsed_info_kwargs)

    def format_elapsed_info(
        self,
        info_fstr: Optional[str] = None,
        *,
        sort: bool = False,
        width: Optional[int] = None,
        ms_precision: int = 2,
        **kwargs: Any,
    ) -> str:
        """Format one line per timer, joined by newlines.

        Format keys: ``name``, ``seconds``, ``time_str`` (readable),
        ``w`` (longest name, or ``width``), ``max_seconds``,
        ``percent_of_max``, ``count`` (invocations), ``mean`` (seconds per
        invocation), plus any extra keyword.

        Args:
            info_fstr: Line format; the configured one if not given.
            sort: Order by seconds, largest first.
            width: Value of ``w`` instead of the longest name's length.
            ms_precision: Decimals of ``time_str`` below one minute.
        """
        if info_fstr is None:
            info_fstr = getattr(
                self, "_time_elapsed_info_fstr", "  {name:>15s} : {time_str:s}"
            )
        rows = [(k, t.elapsed, t.invocations) for k, t in self._timers.items()]
        if sort:
            rows.sort(key=lambda r: r[1], reverse=True)
        w = width if width else max([1] + [len(r[0]) for r in rows])
        max_seconds = max([0.0] + [r[1] for r in rows])
        return "\n".join(
            info_fstr.format(
                name=name,
                seconds=seconds,
                time_str=format_time(seconds, ms_precision=ms_precision),
                w=w,
                max_seconds=max_seconds,
                percent_of_max=(
                    100 * seconds / max_seconds if max_seconds > 0 else 0.0
                ),
                count=count,
                mean=seconds / count if count else 0.0,
                **kwargs,
            )
            for name, seconds, count in rows
        )

    # .. Writing ..............................................................

    def _iteration_timers(self) -> Any:
        if not self._bench_enabled or self._bench_done:
            return None
        if self._bench_iter_timers is None:
            self._bench_iter_timers = self._make_iteration_timers()
        return self._bench_iter_timers

    def _make_iteration_timers(self) -> Any:
        """Create the loop's timers and, if writing, the ``cumulative``
        datasets their rows go to."""
        t = self._timers
        cumulative = [x for x in t.values() if not x.one_shot]
        rows = None
        if self._bench_write:
            self._bench_sink = self._create_cumulative(
                [x.name for x in cumulative]
            )
            rows = _core.RowBuffer(
                f"benchmark rows '{self._bench_sink.dset.name}'",
                (len(cumulative),),
                np.float64,
                self._bench_sink,
                block_rows=self._BENCHMARK_BLOCK_ROWS,
                labelled=True,
            )
            assert self._output is not None, "the output file exists"
            self._output.add(rows)
        return _core.IterationTimers(
            t["full_iteration"],
            t["model_iteration"],
            t["write_data"],
            cumulative,
            rows,
        )

    def _create_cumulative(self, names: List[str]) -> DatasetSink:
        """The datasets of one row per data write, and their sink."""
        grp = self._dgrp_bench
        kw = dict(compression=self._bench_compression, shuffle=True)
        n_cols = len(names)
        dtype = np.dtype(self._bench_dtype)
        rows = grp.create_dataset(
            "cumulative",
            (0, n_cols),
            maxshape=(None, n_cols),
            chunks=block_chunks((n_cols,), dtype.itemsize, None),
            dtype=dtype,
            **kw,
        )
        n_iter = grp.create_dataset(
            _N_ITER_DSET,
            (0,),
            maxshape=(None,),
            chunks=block_chunks((), 8, None),
            dtype=np.int64,
            **kw,
        )
        rows.attrs["dim_names"] = ["n_iterations", "label"]
        rows.attrs["coords_mode__label"] = "values"
        rows.attrs["coords__label"] = names
        # Valid from the first row on, so a killed run still loads; a
        # regular write pattern becomes start_and_step at the end.
        for key, value in linked_coords("n_iterations", _N_ITER_DSET).items():
            rows.attrs[key] = value
        n_iter.attrs["dim_names"] = ["n_iterations"]
        assert self._output is not None, "the output file exists"
        return DatasetSink(rows, n_iter, flusher=self._output.flusher)

    def _finish_benchmark(self) -> None:
        """Stop the timers, write ``total`` and pending rows, log a summary.

        Runs once, at the end of the run, whatever ended it.
        """
        if self._bench_done:
            return
        self._bench_done = True
        if not self._bench_enabled:
            return
        for timer in self._timers.values():
            if not timer.finished and timer.name != "teardown":
                timer.stop()
        if self._bench_write:
            self._write_benchmark_data()
        if self._show_on_exit:
            self.log.info(
                "Elapsed times for parts of this simulation:\n\n%s\n\n%s\n",
                self.elapsed_info,
                self.format_timer_stats(),
            )

    def _write_benchmark_data(self) -> None:
        if self._bench_iter_timers is None:  # no write yet: empty datasets
            self._bench_iter_timers = self._make_iteration_timers()
        rows = self._bench_iter_timers.rows
        if rows is not None:
            rows.flush()
        if self._bench_sink is not None:
            self._bench_sink.finish_coords("n_iterations")
        elapsed = self.elapsed
        ds = self._dgrp_bench.create_dataset(
            "total",
            data=np.array(list(elapsed.values()), dtype=self._bench_dtype),
            compression=self._bench_compression,
        )
        ds.attrs["dim_names"] = ["label"]
        ds.attrs["coords_mode__label"] = "values"
        ds.attrs["coords__label"] = list(elapsed)
        # For reports: how often each timer ran (mean per invocation).
        ds.attrs["invocations"] = [
            t.invocations for t in self._timers.values()
        ]
        _stats.write_stats(
            self._dgrp_bench,
            self.timer_stats,
            self.resource_usage,
            self._bench_compression,
        )

    # .. Per-invocation statistics and resources ..............................

    @property
    def timer_stats(self) -> Dict[str, Any]:
        """Per-invocation statistics of the cumulative timers, by name
        (:class:`~utopya_backend._stats.TimerStats`)."""
        out = {}
        for name, t in self._timers.items():
            st = getattr(t, "stats", None)
            if st is not None:
                out[name] = st
        return out

    @property
    def resource_usage(self) -> Dict[str, float]:
        """CPU seconds (user, system, both) of the process since the model
        was created, the ``simulation`` wall time, and the peak RSS."""
        sim = self._timers.get("simulation")
        wall = sim.elapsed if sim is not None else float("nan")
        return _stats.process_resources(
            getattr(self, "_bench_cpu_start", None), wall
        )

    def format_timer_stats(self) -> str:
        """Per cumulative timer: count, mean, p50, p90, p99 and max per
        invocation; then CPU time against wall time and the peak RSS."""
        stats = self.timer_stats
        w = max([15] + [len(n) for n in stats])
        head = ["count", "mean", "p50", "p90", "p99", "max"]
        lines = [
            "Per invocation:",
            f"  {'timer':>{w}s}" + "".join(f"  {h:>9s}" for h in head),
        ]
        for name, st in stats.items():
            fig = st.summary()
            cells = [str(st.count)] + [
                "-" if fig[k] is None else format_time(fig[k])
                for k in ("mean", "p50", "p90", "p99", "max")
            ]
            lines.append(
                f"  {name:>{w}s}" + "".join(f"  {c:>9s}" for c in cells)
            )
        lines.append("")
        lines.append(_stats.format_resources(self.resource_usage))
        return "\n".join(lines)

    # .. Hooks into the model .................................................

    def _check_root_cfg(self, root_cfg: dict) -> None:
        super()._check_root_cfg(root_cfg)
        # Checked here too, so a bad entry leaves no output file behind.
        name = root_cfg["root_model_name"]
        self._bench_cfg = self._read_benchmark_cfg(
            (root_cfg[name] or {}).get("benchmark"), name
        )

    def _invoke_setup(self) -> None:
        # Checked in _check_root_cfg; setup() must not see the entry.
        self.cfg.pop("benchmark", None)
        self._configure_benchmark(**self._bench_cfg)
        self.start_timer("setup")
        super()._invoke_setup()
        self.stop_timer("setup")

    def _pre_run(self) -> None:
        self.start_timer("run")
        super()._pre_run()

    def _invoke_prolog(self) -> None:
        self.start_timer("prolog")
        super()._invoke_prolog()
        self.stop_timer("prolog")

    def _invoke_epilog(self, *, finished_run: bool) -> None:
        self.start_timer("epilog")
        super()._invoke_epilog(finished_run=finished_run)
        self.stop_timer("epilog")

    def _post_run(self, *, finished_run: bool) -> None:
        super()._post_run(finished_run=finished_run)
        self._finish_benchmark()

    def _abort_run(self) -> None:
        super()._abort_run()
        try:
            self._finish_benchmark()
        except Exception as exc:  # keep the original exception in front
            self.log.error(
                "Saving benchmark data failed: %s: %s", type(exc).__name__, exc
            )

    def _pre_monitor(self) -> None:
        self.unpause_timer("monitor")
        super()._pre_monitor()

    def _post_monitor(self) -> None:
        super()._post_monitor()
        self.pause_timer("monitor")

    def _emit_monitor(self) -> None:
        if self._add_time_elapsed_to_monitor_info and self._bench_enabled:
            self._monitor_info["timers"] = self.elapsed
        super()._emit_monitor()

    def __del__(self) -> None:
        timer = self.__dict__.get("_timers", {}).get("teardown")
        active = self.__dict__.get("_bench_enabled", False)
        try:
            if active and timer is not None and not timer.finished:
                timer.start()
        finally:
            super().__del__()
            if active and timer is not None and timer.running:
                timer.stop()
