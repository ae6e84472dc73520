"""BaseModel: shared infrastructure of a model run by the utopya frontend.

Config loading, logger, RNG, signal handling and the hooks a model
overrides. The pieces live in their own modules and are composed here:
the run loop's plan (:mod:`._run`), monitor lines and deadlines
(:mod:`._monitoring`), the output file (:mod:`._output`) and the root
config checks (:mod:`._rootcfg`). The loop itself lives in the (compiled)
core.
"""

from __future__ import annotations

import abc
import logging
import random
import signal
import sys
from typing import Any, Optional, Union

import h5py
import numpy as np

from ..core import _impl
from ..io import _provenance
from ..io._sync import OutputSync
from ..logging import backend_logger as _backend_logger
from ..logging import get_level as _get_level
from ..signal import SIG_STOPCOND, SIGNAL_INFO, attach_signal_handlers
from ..tools import load_cfg_file as _load_cfg_file
from ._monitoring import MonitorMixin, _interval_ns
from ._output import OutputMixin
from ._rootcfg import check_root_cfg
from ._run import RunLoopMixin, _quiet_below

__all__ = ["BaseModel"]


class BaseModel(RunLoopMixin, MonitorMixin, OutputMixin, abc.ABC):
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

    # Its hooks are the no-op defaults the run loop skips (model/_run.py).
    _hook_defaults_here = True

    # .. Initialization and teardown ..........................................

    def __init__(
        self, *, cfg_file_path: str, _log: Optional[logging.Logger] = None
    ) -> None:
        # Set first so that teardown of a half-built model stays silent.
        self._h5file: Optional[h5py.File] = None
        self._output: Optional[OutputSync] = None
        self._running_plan: Any = None
        self._signal_dict: dict = SIGNAL_INFO
        # n_iterations (and a stepwise model's time) live here, where the
        # core loop updates them without a Python attribute store.
        self._counters = _impl.LoopCounters()
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
        # The root keys every model reads, checked and parsed; then the
        # checks subclasses add.
        self._root_values = check_root_cfg(self._root_cfg, self._cfg_file_path)
        self._check_root_cfg(self._root_cfg)
        root = self._root_values
        self._name: str = root["root_model_name"]

        log.info("Setting up model infrastructure ...")
        log.info("  Class name:       %s", type(self).__name__)
        log.info("  Instance name:    %s", self._name)
        self._setup_loggers(log)

        if self.ATTACH_SIGNAL_HANDLERS:
            self._attach_signal_handlers()

        self._monitor_emit_interval: float = root["monitor_emit_interval"]
        self._emit_interval_ns = _interval_ns(self._monitor_emit_interval)
        self._last_emit_ns: Optional[int] = None
        self._monitor_info: dict = {}

        self._n_iterations = 0

        self._rng = self._setup_rng(
            seed=root["seed"],
            seed_numpy_rng=root["seed_numpy_rng"],
            seed_system_rng=root["seed_system_rng"],
        )

        self._h5file = self._setup_output_file()
        self._output = OutputSync(self._h5file, swmr=root["swmr"])
        try:
            self._output.sync()  # a valid file, and the disk reserve
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
        return self._counters.n_iterations

    @property
    def _n_iterations(self) -> int:
        # Kept for subclasses written against the original package.
        return self._counters.n_iterations

    @_n_iterations.setter
    def _n_iterations(self, value: int) -> None:
        self._counters.n_iterations = value

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
            self._write_pending()  # the epilog may close the file
            self._invoke_epilog(finished_run=finished)
            self._post_run(finished_run=finished)
            # Write what is pending here, so a full disk fails the run.
            self._finish_output()
            if finished:
                self.log.info("Simulation run finished.")
        except BaseException:
            self._leave_swmr()  # what _abort_run writes needs it
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
        """Check further root config entries before any output exists.

        The keys every model reads (``ROOT_KEYS``) are checked already.
        Subclasses extend this (with ``super()``) for keys they read in
        :meth:`_parse_root_cfg`, so a bad config leaves no file behind.
        """

    def _parse_root_cfg(self, **_: Any) -> None:
        """Read root config entries; called after the output file exists."""

    def _setup_finished(self) -> None:
        """Invoked after :meth:`setup` returned."""

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

    # .. Signals ..............................................................

    def _attach_signal_handlers(self) -> None:
        """Attach handlers for stop conditions and interrupts."""
        self.log.debug("Attaching signal handlers ...")
        attach_signal_handlers()

    @property
    def _signal_info(self) -> dict:
        """The signal record :meth:`_check_signals` reads: the handler's
        :data:`~utopya_backend.signal.SIGNAL_INFO` unless replaced.

        Settable, as the original's attribute is: a dict set here, even
        in the middle of a run, makes the loop check signals after every
        iteration from then on (its ``got_signal`` stops the run).
        """
        return self._signal_dict

    @_signal_info.setter
    def _signal_info(self, info: dict) -> None:
        self._signal_dict = info
        plan = getattr(self, "_running_plan", None)
        if plan is not None and info is not SIGNAL_INFO:
            plan.check_signals_always = True

    def _check_signals(self) -> Optional[int]:
        """Return ``128 + signum`` if :attr:`_signal_info` records a
        signal, else None."""
        info = self._signal_info
        if not info["got_signal"]:
            return None
        signum = info["signum"]
        if signum == SIG_STOPCOND:
            self.log.warning("A stop condition was fulfilled.")
        elif signum in (signal.SIGINT, signal.SIGTERM):
            self.log.warning("Was told to stop.")
        else:
            self.log.warning(
                "Got an unexpected signal: %s. Stopping ...", signum
            )
        return 128 + abs(int(signum))

    # .. Setup helpers ........................................................

    def _get_root_cfg(self, cfg_file_path: str, *, _log: logging.Logger):
        """Load the root config from the given file."""
        return _load_cfg_file(cfg_file_path)

    def _setup_loggers(self, _log: logging.Logger) -> None:
        """Create the model logger and apply the configured levels."""
        levels = self._root_values["log_levels"]
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

    # .. Invocation wrappers ..................................................

    def _invoke_iterate(self) -> None:
        """Call :meth:`iterate`; the run loop calls this instead when a
        subclass or mixin overrides it."""
        self.iterate()

    def _invoke_setup(self) -> None:
        self.log.info("Invoking model setup ...")
        self.setup(**self._cfg)
        # From here on the file is readable at every moment, even after a
        # SIGKILL: flush what setup made, and then the initial write.
        self._sync_output()
        self._setup_finished()
        self._sync_output()
        self.log.info("Model setup finished.")

    def _sync_output(self) -> None:
        """Write pending rows and flush the file (if it is still open)."""
        f = self._h5file
        if self._output is not None and f is not None and f.id.valid:
            self._output.sync()

    def _invoke_prolog(self) -> None:
        self.prolog()

    def _invoke_epilog(self, *, finished_run: bool) -> None:
        self.epilog(finished_run=finished_run)

    def _invoke_write_data(self) -> None:
        """Call :meth:`write_data`, timed like the loop's writes when
        iteration timers are present; the run loop calls this instead when
        a subclass or mixin overrides it."""
        self._timed_write()

    def _timed_write(self, timed: bool = True) -> None:
        """Write data under the iteration timers, if any (untimed if
        ``timed`` is false), recording a benchmark row."""
        timers = self._iteration_timers()
        if timers is None:
            self.write_data()
        else:
            timers.write(self.write_data, self._n_iterations, timed)
