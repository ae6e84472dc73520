"""Benchmarking of model runs: timers for every phase, stored in the file.

:class:`ModelBenchmarkMixin` times a model's phases with the compiled
:class:`Timer`; the per-iteration timers are driven by the core run loop at C
speed, and their values at each data write go through a bounded row buffer
into the model's HDF5 group.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

import h5py

from .bench import _stats
from .bench._bench_options import BENCHMARK_KEYS, read_benchmark_cfg
from .bench._bench_summary import (
    DEFAULT_INFO_FSTR,
    format_stats_table,
    format_timer_lines,
)
from .bench._bench_timers import TimerRegistry
from .core import _impl
from .core._impl import Timer
from .io._benchmark import BenchmarkRecord

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


class ModelBenchmarkMixin(TimerRegistry, _MixinBase):
    """Time every phase of a model run and store the times in its file.

    Mix it in before the model class::

        class MyModel(ModelBenchmarkMixin, StepwiseModel):
            ...

    Options come from the model config's ``benchmark`` entry; see
    :meth:`_configure_benchmark`. At the end of
    :meth:`~utopya_backend.model.BaseModel.run` (also after a
    signal or an exception) all timers are stopped, the group
    ``benchmark`` holds ``total`` (every timer) and ``cumulative`` (one row
    per data write), and a summary is logged.
    """

    _BENCHMARK_BLOCK_ROWS: Optional[int] = None
    """Rows of ``cumulative`` kept in memory between block writes; None
    for as many as fit in the row buffer's default block (1 MiB)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._setup_timers()
        self._bench_done = False
        self._bench_iter_timers: Any = None
        self._bench_record: Optional[BenchmarkRecord] = None
        self._bench_dsets: Dict[str, Any] = {}
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
        info_fstr: str = DEFAULT_INFO_FSTR,
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
        self._time_elapsed_info_fstr = info_fstr
        self._time_elapsed_info_kwargs = dict(info_kwargs or {})
        if not self._bench_enabled:
            # Timers started before the config was read go back to zero.
            for timer in self._timers.values():
                timer.reset()
        elif write:
            assert self._output is not None, "the output file exists"
            self._bench_record = BenchmarkRecord(
                self.h5group.create_group(group_name),
                dtype=dtype,
                compression=compression,
                output=self._output,
                block_rows=self._BENCHMARK_BLOCK_ROWS,
            )

    def _read_benchmark_cfg(self, bench_cfg: Any, model_name: str) -> dict:
        """Check the ``benchmark`` entry; errors name key, value and file."""
        params = inspect.signature(self._configure_benchmark).parameters
        named = (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        )
        valid = [p.name for p in params.values() if p.kind in named]
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            # An override passing **options on takes the table's, too (as
            # the original, which passes every option to the override).
            valid += [k.name for k in BENCHMARK_KEYS if k.name not in valid]
        return read_benchmark_cfg(
            bench_cfg,
            key=f"{model_name}.benchmark",
            cfg_file=getattr(self, "_cfg_file_path", "<unknown>"),
            valid=valid,
        )

    # .. Timer values and summary .............................................

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
                self, "_time_elapsed_info_fstr", DEFAULT_INFO_FSTR
            )
        return format_timer_lines(
            self._timers.values(),
            info_fstr,
            sort=sort,
            width=width,
            ms_precision=ms_precision,
            **kwargs,
        )

    # .. The loop's timers and the record in the file ........................

    def _iteration_timers(self) -> Any:
        """The timers the run loop drives (None when disabled or done);
        made at the first data write, with the cumulative timers added by
        then as the columns of the record's rows."""
        if not self._bench_enabled or self._bench_done:
            return None
        if self._bench_iter_timers is None:
            t = self._timers
            cumulative = [x for x in t.values() if not x.one_shot]
            rows = None
            if self._bench_record is not None:
                rows = self._bench_record.open_rows(
                    [x.name for x in cumulative]
                )
                self._keep_bench_dset("cumulative")
            self._bench_iter_timers = _impl.IterationTimers(
                t["full_iteration"],
                t["model_iteration"],
                t["write_data"],
                cumulative,
                rows,
            )
        return self._bench_iter_timers

    def _finish_benchmark(self) -> None:
        """Stop the timers, close the record, log a summary.

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
        # CPU and wall up to the end of the run, frozen: closing the file
        # and the summary must not add CPU time to a wall time that has
        # stopped (that showed single-threaded runs above 100 %).
        self._bench_resources = self.resource_usage
        if self._bench_record is not None:
            self._bench_record.close(
                self._timers.values(), self.timer_stats, self.resource_usage
            )
            self._keep_bench_dset("cumulative")
            self._keep_bench_dset("total")
        if self._show_on_exit:
            self.log.info(
                "Elapsed times for parts of this simulation:\n\n%s\n\n%s\n",
                self.elapsed_info,
                self.format_timer_stats(),
            )

    # .. The original's attributes (read-only) ...............................

    @property
    def _dgrp_bench(self) -> Optional[h5py.Group]:
        """The benchmark group; None if disabled or not written."""
        rec = self._bench_record
        return None if rec is None else rec.grp

    @property
    def _dset_cumulative(self) -> Optional[h5py.Dataset]:
        """The ``cumulative`` dataset, once the run has started (None
        before); its rows arrive in blocks, all by the end of the run."""
        return self._bench_dsets.get("cumulative")

    @property
    def _dset_total(self) -> Optional[h5py.Dataset]:
        """The ``total`` dataset, written at the end of the run (None
        before)."""
        return self._bench_dsets.get("total")

    def _keep_bench_dset(self, name: str) -> None:
        rec = self._bench_record
        if rec is not None and name not in self._bench_dsets:
            self._bench_dsets[name] = rec.grp[name]

    # .. Per-invocation statistics and resources ..............................

    @property
    def timer_stats(self) -> Dict[str, Any]:
        """Per-invocation statistics of the cumulative timers, by name
        (:class:`~utopya_backend.bench._stats.TimerStats`)."""
        out = {}
        for name, t in self._timers.items():
            st = getattr(t, "stats", None)
            if st is not None:
                out[name] = st
        return out

    @property
    def resource_usage(self) -> Dict[str, float]:
        """CPU seconds (user, system, both) of the process since the model
        was created, the ``simulation`` wall time, and the peak RSS; at
        the end of the run they are frozen."""
        frozen = getattr(self, "_bench_resources", None)
        if frozen is not None:
            return dict(frozen)
        sim = self._timers.get("simulation")
        wall = sim.elapsed if sim is not None else float("nan")
        return _stats.process_resources(
            getattr(self, "_bench_cpu_start", None), wall
        )

    def format_timer_stats(self) -> str:
        """Per cumulative timer: count, mean, p50, p90, p99 and max per
        invocation; then CPU time against wall time and the peak RSS."""
        return format_stats_table(self.timer_stats, self.resource_usage)

    # .. Hooks into the model .................................................

    def _check_root_cfg(self, root_cfg: dict) -> None:
        super()._check_root_cfg(root_cfg)
        # Checked here too, so a bad entry leaves no output file behind.
        name = root_cfg["root_model_name"]
        self._bench_cfg = self._read_benchmark_cfg(
            (root_cfg[name] or {}).get("benchmark"), name
        )

    def _invoke_setup(self) -> None:
        # Checked in _check_root_cfg; setup() must not see the entry, and
        # the user's config (root_cfg) stays as it was loaded.
        self._cfg = {k: v for k, v in self.cfg.items() if k != "benchmark"}
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
            output = getattr(self, "_output", None)
            if output is not None:  # the same rows: not to be logged twice
                output.mark_reported(exc)

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
