"""BaseModel: shared infrastructure of a model run by the utopya frontend.

Config loading and checking, logger, RNG, HDF5 output, signal handling,
monitor lines and the run loop. The loop itself lives in the (compiled) core;
this class decides which hooks it calls, so every hook stays overridable.
"""

from __future__ import annotations

import abc
import logging
import os
import random
import signal
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import h5py
import numpy as np

from .. import _core, _provenance
from ..io import TimeSeriesWriter
from ..io._sync import OutputSync
from ..io._writer import make_writer
from ..logging import LOG_LEVELS as _LOG_LEVELS
from ..logging import backend_logger as _backend_logger
from ..logging import get_level as _get_level
from ..signal import SIG_STOPCOND, SIGNAL_INFO, attach_signal_handlers
from ..tools import load_cfg_file as _load_cfg_file
from . import _config
from ._monitor import format_monitor_line

if TYPE_CHECKING:  # pragma: no cover
    from .._timing_py import IterationTimers

__all__ = ["BaseModel"]

_MAX_INTERVAL_NS = 2**62
"""Monitor intervals are capped here (146 years): deadlines stay in int64."""


def _quiet_below(level: int) -> Callable[[Callable], Callable]:
    """Mark a default hook that only logs at ``level``.

    The run loop skips a marked hook while the model logger would drop its
    records anyway; an override carries no mark and is always called.
    """

    def mark(func: Callable) -> Callable:
        func._quiet_below = level  # type: ignore[attr-defined]
        return func

    return mark


class BaseModel(abc.ABC):
    """Abstract base of a model run under the utopya frontend.

    Subclasses implement :meth:`setup`, :meth:`should_iterate`,
    :meth:`iterate`, :meth:`should_write` and :meth:`write_data`; the model
    is then started with ``Model(cfg_file_path=path).run()``.
    """

    ATTACH_SIGNAL_HANDLERS: bool = True
    """Install handlers for stop conditions and interrupts on init."""

    USE_SYS_EXIT: bool = True
    """On a handled signal, ``sys.exit(128 + signum)`` instead of returning
    the code from :meth:`run`."""

    # .. Initialization and teardown ..........................................

    def __init__(
        self, *, cfg_file_path: str, _log: Optional[logging.Logger] = None
    ) -> None:
        # Set first so that teardown of a half-built model stays silent.
        self._h5file: Optional[h5py.File] = None
        self._output: Optional[OutputSync] = None
        # A signal that stopped an earlier model in this process is history.
        SIGNAL_INFO.update(
            got_signal=False, signum=None, frame=None, at_time=None
        )
        self._log = _log if _log is not None else _backend_logger
        log = self._log

        log.info("Backend: %s", _provenance.log_line())
        self._cfg_file_path = str(cfg_file_path)
        log.info("Loading configuration file ...\n  %s", cfg_file_path)
        self._root_cfg = self._get_root_cfg(cfg_file_path, _log=log)
        if self._root_cfg is None:
            self._root_cfg = {}
        self._check_root_cfg(self._root_cfg)
        self._name: str = self._root_cfg["root_model_name"]

        log.info("Setting up model infrastructure ...")
        log.info("  Class name:       %s", type(self).__name__)
        log.info("  Instance name:    %s", self._name)
        self._setup_loggers(log)

        if self.ATTACH_SIGNAL_HANDLERS:
            self._attach_signal_handlers()

        self._monitor_emit_interval = float(
            self._root_cfg["monitor_emit_interval"]
        )
        self._emit_interval_ns = _interval_ns(self._monitor_emit_interval)
        self._last_emit_ns: Optional[int] = None
        self._monitor_info: dict = {}

        self._n_iterations = 0

        self._rng = self._setup_rng(
            seed=self._root_cfg["seed"],
            seed_numpy_rng=self._root_cfg.get("seed_numpy_rng", True),
            seed_system_rng=self._root_cfg.get("seed_system_rng", True),
        )

        self._h5file = self._setup_output_file()
        self._output = OutputSync(self._h5file)
        try:
            self._h5group = self._setup_output_group()
            self._parse_root_cfg(**self._root_cfg)
            cfg = self._root_cfg[self._name]
            self._cfg = {} if cfg is None else cfg
            self._invoke_setup()
            self.trigger_monitor(force=True)
        except BaseException:
            # Keep what was written; leave a closed, valid file behind.
            self._close_output()
            raise
        self.log.info(
            "Fully initialized %s named '%s'.",
            type(self).__name__,
            self._name,
        )

    def __del__(self) -> None:
        self._close_output()

    def _close_output(self) -> None:
        """Write pending rows and close the output file; failures are
        logged, never raised."""
        f = self.__dict__.get("_h5file")
        if f is None:
            return
        log = self.__dict__.get("_log", _backend_logger)
        try:
            if f.id.valid:
                self._finish_output()
        except Exception as exc:
            log.error(
                "Writing pending output failed, got %s: %s",
                type(exc).__name__,
                exc,
            )
        try:
            if f.id.valid:
                f.close()
        except Exception as exc:
            log.error(
                "Closing HDF5 file failed, got %s: %s", type(exc).__name__, exc
            )

    def _finish_output(self) -> None:
        """Write every pending row, finish the datasets, flush the file."""
        output = getattr(self, "_output", None)
        f = getattr(self, "_h5file", None)
        if output is not None and f is not None and f.id.valid:
            output.finish()

    # .. Properties ...........................................................

    @property
    def name(self) -> str:
        """The model instance's name, ``root_model_name``."""
        return self._name

    @property
    def log(self) -> logging.Logger:
        """The model's logger, a child of the backend logger."""
        return self._log

    @property
    def rng(self) -> np.random.Generator:
        """The model's shared random number generator."""
        return self._rng

    @property
    def h5group(self) -> h5py.Group:
        """The HDF5 group this model writes to, named after the model."""
        return self._h5group

    @property
    def root_cfg(self) -> dict:
        """The whole config the frontend wrote."""
        return self._root_cfg

    @property
    def cfg(self) -> dict:
        """The model's own config, ``root_cfg[name]``."""
        return self._cfg

    @property
    def n_iterations(self) -> int:
        """How often :meth:`iterate` was called in :meth:`run`."""
        return self._n_iterations

    # .. Simulation control ...................................................

    def run(self) -> int:
        """Iterate while :meth:`should_iterate`, monitoring and writing.

        Returns:
            0 after a finished run; ``128 + signum`` after a handled signal
            if :attr:`USE_SYS_EXIT` is false (otherwise ``sys.exit``).
        """
        try:
            self._pre_run()
            self._invoke_prolog()
            self.log.info("Commencing model run ...")
            code = self._run_iterations()
            finished = code is None
            exit_code = 0 if code is None else code
            self._invoke_epilog(finished_run=finished)
            self._post_run(finished_run=finished)
            # Write what is pending here, so a full disk fails the run.
            self._finish_output()
            if finished:
                self.log.info("Simulation run finished.")
        except BaseException:
            self._abort_run()
            try:
                self._finish_output()
            except Exception as exc:  # keep the original error in front
                self.log.error(
                    "Writing pending output failed: %s: %s",
                    type(exc).__name__,
                    exc,
                )
            raise
        if exit_code and self.USE_SYS_EXIT:
            self.log.info("Now exiting (code: %d) ...", exit_code)
            sys.exit(exit_code)
        return exit_code

    def _run_iterations(self) -> Optional[int]:
        """Run the core loop; None, or the exit code of a handled signal."""
        return _core.run_iterations(self._loop_plan())

    def _overrides(self, name: str, base: Optional[type] = None) -> bool:
        """Whether hook ``name`` is set on the instance or overridden by a
        subclass of ``base`` (BaseModel): the loop calls such hooks, and
        skips no-op defaults."""
        return _hook_function(self, name) is not getattr(
            BaseModel if base is None else base, name
        )

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
        plan = _core.LoopPlan(
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
            check_signals_always=over("_check_signals"),
            signal_info=SIGNAL_INFO,
            timers=self._iteration_timers(),
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

    # .. Output ...............................................................

    def create_ts_writer(
        self,
        name: str,
        *,
        extra_dims: Sequence[str] = (),
        sizes: Mapping[str, int] = {},
        coords: Mapping[str, Any] = {},
        compression: Any = 2,
        **dset_kwargs: Any,
    ) -> TimeSeriesWriter:
        """Create a time-series dataset and a fast writer appending to it.

        Arguments as for ``StepwiseModel.create_ts_dset``; every extra
        dimension needs its size. Each row's ``time`` coordinate is
        :attr:`n_iterations` at its append, kept in a sibling dataset
        ``<name>_time`` the rows link to (and ``start_and_step`` at the end
        of the run when the rows were written at regular intervals). A
        ``StepwiseModel`` labels rows by its write plan instead.
        """
        assert self._output is not None, "the output file exists"
        max_rows, start_and_step = self._ts_writer_plan()
        return make_writer(
            self.h5group,
            name,
            sync=self._output,
            max_rows=max_rows,
            start_and_step=start_and_step,
            label_source=self if start_and_step is None else None,
            extra_dims=extra_dims,
            sizes=sizes,
            coords=coords,
            compression=compression,
            **dset_kwargs,
        )

    def _ts_writer_plan(self) -> Tuple[Optional[int], Optional[tuple]]:
        """Most rows of a time-series writer, and its ``(start, step)``
        time coordinates; ``(None, None)``: unbounded, labelled by
        :attr:`n_iterations`."""
        return None, None

    # .. Abstract methods .....................................................

    @abc.abstractmethod
    def setup(self, **cfg: Any) -> None:
        """Set up the model's state from its config (``root_cfg[name]``)."""

    @abc.abstractmethod
    def should_iterate(self) -> bool:
        """Whether to call :meth:`iterate` once more."""

    @abc.abstractmethod
    def iterate(self) -> None:
        """Advance the model by one iteration."""

    @abc.abstractmethod
    def should_write(self) -> bool:
        """Whether to call :meth:`write_data` after this iteration."""

    @abc.abstractmethod
    def write_data(self) -> None:
        """Write the model's current state to :attr:`h5group`."""

    # .. Optionally overridden hooks ..........................................

    def _check_root_cfg(self, root_cfg: dict) -> None:
        """Check root config entries before any output is created.

        Subclasses extend this (with ``super()``) for keys they read in
        :meth:`_parse_root_cfg`, so a bad config leaves no file behind.
        """
        path = self._cfg_file_path
        if not isinstance(root_cfg, dict):
            raise _config.ConfigError(
                f"Invalid config file {path}: expected a mapping at its top "
                f"level, got {type(root_cfg).__name__} {root_cfg!r}"
            )
        req = _config.require
        name = _config.check_str(
            "root_model_name", req(root_cfg, "root_model_name", path), path
        )
        out = _config.check_str(
            "output_path", req(root_cfg, "output_path", path), path
        )
        _config.check_seeds(root_cfg, path)
        _config.check_real(
            "monitor_emit_interval",
            req(root_cfg, "monitor_emit_interval", path),
            path,
            minimum=0,
        )
        levels = req(root_cfg, "log_levels", path)
        if not isinstance(levels, dict):
            raise _config.invalid("log_levels", levels, path, "a mapping")
        req(levels, "model", path, prefix="log_levels.")
        for key, value in levels.items():
            # A null backend level leaves the backend logger as it is; the
            # model's level must be given.
            if key not in ("model", "backend") or (
                key == "backend" and value is None
            ):
                continue
            try:
                _get_level(value)
            except ValueError:
                raise _config.invalid(
                    f"log_levels.{key}",
                    value,
                    path,
                    f"a log level name, one of: {', '.join(_LOG_LEVELS)}",
                ) from None
        model_cfg = req(root_cfg, name, path)
        if model_cfg is not None and not isinstance(model_cfg, dict):
            raise _config.invalid(name, model_cfg, path, "a mapping")

        out = os.path.expanduser(out)
        if os.path.exists(out):
            raise FileExistsError(
                f"Invalid value {out!r} for key 'output_path' in config file "
                f"{path}: the file exists already (it is never overwritten)"
            )
        parent = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(parent):
            raise FileNotFoundError(
                f"Invalid value {out!r} for key 'output_path' in config file "
                f"{path}: its directory {parent} does not exist"
            )

    def _parse_root_cfg(self, **_: Any) -> None:
        """Read root config entries; called after the output file exists."""

    def _setup_finished(self) -> None:
        """Invoked after :meth:`setup` returned."""

    def monitor(self, monitor_info: dict) -> dict:
        """Update and return the model's monitor entries."""
        return monitor_info

    def compute_progress(self) -> float:
        """Progress of the run in [0, 1]; must never decrease."""
        return 0.0

    @_quiet_below(logging.DEBUG)
    def show_iteration_info(self) -> None:
        """Report on the finished iteration (debug level by default)."""
        self.log.debug("Finished iteration %d.", self._n_iterations)

    def prolog(self) -> None:
        """Invoked at the start of :meth:`run`, before the first iteration."""

    def epilog(self, *, finished_run: bool) -> None:
        """Invoked at the end of :meth:`run`; ``finished_run`` is False
        after a signal stopped the run."""

    def _pre_run(self) -> None:
        """Invoked first in :meth:`run`."""

    def _post_run(self, *, finished_run: bool) -> None:
        """Invoked last in :meth:`run`, after the epilog."""

    def _pre_iterate(self) -> None:
        """Invoked at the start of each full iteration."""

    def _post_iterate(self) -> None:
        """Invoked at the end of each full iteration."""

    def _pre_monitor(self) -> None:
        """Invoked before each monitor emission."""

    def _post_monitor(self) -> None:
        """Invoked after each monitor emission."""

    # .. Signals ..............................................................

    def _attach_signal_handlers(self) -> None:
        """Attach handlers for stop conditions and interrupts."""
        self.log.debug("Attaching signal handlers ...")
        attach_signal_handlers()

    def _check_signals(self) -> Optional[int]:
        """Return ``128 + signum`` if a signal arrived, else None."""
        if not SIGNAL_INFO["got_signal"]:
            return None
        signum = SIGNAL_INFO["signum"]
        if signum == SIG_STOPCOND:
            self.log.warning("A stop condition was fulfilled.")
        elif signum in (signal.SIGINT, signal.SIGTERM):
            self.log.warning("Was told to stop.")
        else:
            self.log.warning(
                "Got an unexpected signal: %s. Stopping ...", signum
            )
        return 128 + abs(int(signum))

    # .. Monitoring ...........................................................

    def trigger_monitor(self, *, force: bool = False) -> None:
        """Emit a monitor line if ``force`` or the emit interval has passed."""
        now = _core.monotonic_ns()
        if force or self._monitor_should_emit(t=now / 1e9):
            self._emit_now(now)

    def _monitor_should_emit(self, *, t: Optional[float] = None) -> bool:
        """Whether the emit interval has passed at ``t`` (seconds on the
        monotonic clock; now if not given)."""
        now = _core.monotonic_ns() if t is None else round(t * 1e9)
        return now >= self._next_emit_ns()

    def _on_deadline(self, now: int) -> int:
        """Called by the run loop once the clock reaches the deadline it
        was given: emit the monitor line and write pending output if due;
        return the next deadline."""
        if self._deadline_emits and now >= self._next_emit_ns():
            self._emit_now(now)
        output = self._output
        if output is not None:
            output.sync_if_due(now)
        return self._next_deadline_ns()

    def _next_emit_ns(self) -> int:
        last = self._last_emit_ns
        return (0 if last is None else last) + self._emit_interval_ns

    def _next_deadline_ns(self) -> int:
        due = self._output.next_due_ns if self._output is not None else None
        if getattr(self, "_deadline_emits", True):
            emit = self._next_emit_ns()
            due = emit if due is None else min(due, emit)
        return due if due is not None else 2**63 - 1

    def _emit_now(self, now: int) -> None:
        self._pre_monitor()
        self._monitor_info = self.monitor(self._monitor_info)
        self._emit_monitor()
        self._last_emit_ns = now
        self._post_monitor()

    def _emit_monitor(self) -> None:
        """Print the monitor line to stdout and flush."""
        line = format_monitor_line(
            self.compute_progress(),
            self._n_iterations,
            self._name,
            self._monitor_info,
        )
        out = sys.stdout
        out.write(line + "\n")
        out.flush()

    # .. Setup helpers ........................................................

    def _get_root_cfg(self, cfg_file_path: str, *, _log: logging.Logger):
        """Load the root config from the given file."""
        return _load_cfg_file(cfg_file_path)

    def _setup_loggers(self, _log: logging.Logger) -> None:
        """Create the model logger and apply the configured levels."""
        levels = self._root_cfg["log_levels"]
        self._log = _log.getChild(self._name)
        self._log.setLevel(_get_level(levels["model"]))
        if levels.get("backend") is not None:
            _backend_logger.setLevel(_get_level(levels["backend"]))

    def _setup_rng(
        self,
        *,
        seed: int,
        seed_numpy_rng: Union[bool, int, None] = None,
        seed_system_rng: Union[bool, int, None] = None,
        **rng_kwargs: Any,
    ) -> np.random.Generator:
        """Create the model RNG; also seed numpy's and Python's global RNGs
        (with ``seed + 1`` and ``seed + 2`` if given True) for runs that use
        them to stay reproducible."""
        self.log.info("Creating shared RNG (seed: %s) ...", seed)
        rng = np.random.default_rng(seed, **rng_kwargs)
        # `is`, not `in (None, False)`: 0 == False, but 0 is a seed.
        if seed_numpy_rng is not None and seed_numpy_rng is not False:
            s = seed + 1 if seed_numpy_rng is True else seed_numpy_rng
            np.random.seed(s)
        if seed_system_rng is not None and seed_system_rng is not False:
            s = seed + 2 if seed_system_rng is True else seed_system_rng
            random.seed(s)
        return rng

    def _setup_output_file(self) -> h5py.File:
        """Create the HDF5 output file; never overwrites an existing one."""
        path = os.path.expanduser(self._root_cfg["output_path"])
        self.log.info("Creating HDF5 output file at:\n  %s", path)
        f = h5py.File(path, mode="x")
        _provenance.stamp(f)  # which package wrote it
        return f

    def _setup_output_group(
        self, h5file: Optional[h5py.File] = None
    ) -> h5py.Group:
        """Create the group the model writes to, named after the model."""
        f = h5file if h5file is not None else self._h5file
        assert f is not None, "the output file is created first"
        _provenance.stamp(f)  # if an override made the file
        return f.create_group(self._name)

    # .. Invocation wrappers ..................................................

    def _invoke_iterate(self) -> None:
        """Call :meth:`iterate`; the run loop calls this instead when a
        subclass or mixin overrides it."""
        self.iterate()

    def _invoke_setup(self) -> None:
        self.log.info("Invoking model setup ...")
        self.setup(**self._cfg)
        self._setup_finished()
        self.log.info("Model setup finished.")

    def _invoke_prolog(self) -> None:
        self.prolog()

    def _invoke_epilog(self, *, finished_run: bool) -> None:
        self.epilog(finished_run=finished_run)

    def _invoke_write_data(self) -> None:
        """Call :meth:`write_data`, timed like the loop's writes when
        iteration timers are present; the run loop calls this instead when
        a subclass or mixin overrides it."""
        self._timed_write()

    def _timed_write(self) -> None:
        """Write data (e.g. the initial state) under the iteration timers,
        if any, recording a benchmark row."""
        timers = self._iteration_timers()
        if timers is None:
            self.write_data()
        else:
            timers.write(self.write_data, self._n_iterations)


def _interval_ns(seconds: float) -> int:
    """Monitor interval in ns, capped so that deadlines fit in int64."""
    ns = seconds * 1e9
    return _MAX_INTERVAL_NS if ns >= _MAX_INTERVAL_NS else round(ns)


def _hook_function(model: BaseModel, name: str) -> Any:
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
