"""StepwiseModel: a BaseModel iterating in fixed time steps."""

from __future__ import annotations

import abc
import logging
from typing import Any, Mapping, Optional, Sequence, Tuple

import h5py

from ..io._layout import (
    create_ts_dataset,
    linked_coords,
    planned_labels,
    start_and_step_coords,
)
from ..io._reserve import ReservedDataset
from . import _config
from ._run import _quiet_below
from ._writeplan import WritePlan, in_write_data, write_plan
from .base import BaseModel

__all__ = ["StepwiseModel"]


_MAX_NUM_STEPS = 2**63 - 2
"""The largest ``num_steps``: the step count and the number of write times
(up to ``num_steps + 1``) must fit in int64 (the original accepted more and
failed with an ``OverflowError`` after creating the output file)."""


def _check_num_steps(key: str, value: Any, cfg_file: str) -> int:
    num_steps = _config.check_int(key, value, cfg_file, minimum=0)
    if num_steps > _MAX_NUM_STEPS:
        raise _config.invalid(
            key,
            num_steps,
            cfg_file,
            "an int from 0 to 2**63 - 2 (num_steps + 1 write times must "
            "fit in int64)",
        )
    return num_steps


def _check_write_every(key: str, value: Any, cfg_file: str) -> int:
    return _config.check_int(key, value, cfg_file, minimum=1)


STEP_KEYS = (
    _config.Key("num_steps", _check_num_steps),
    _config.Key("write_every", _check_write_every, 1),
    _config.Key("write_start", _config.check_int, 0),
)
"""The root config keys of a :class:`StepwiseModel`: the one statement
of their checks and defaults."""

_DEFAULTS = _config.defaults(STEP_KEYS)


class StepwiseModel(BaseModel):
    """A model that performs ``num_steps`` fixed steps.

    Data is written at the times ``range(write_start, num_steps + 1,
    write_every)``; with ``write_start <= 0`` the initial state is written
    right after :meth:`setup`. Subclasses implement :meth:`setup`,
    :meth:`perform_step` and :meth:`write_data`.
    """

    # .. Stepping .............................................................

    def should_iterate(self) -> bool:
        """Whether fewer than ``num_steps`` steps were made."""
        return self._time < self._num_steps

    def iterate(self) -> None:
        """Perform one step and advance :attr:`time` by one."""
        self.perform_step()
        self._time += 1

    def should_write(self) -> bool:
        """Whether :attr:`time` is one of the write times."""
        t, start = self._time, self._write_start
        return (
            start <= t <= self._num_steps
            and (t - start) % self._write_every == 0
        )

    @abc.abstractmethod
    def perform_step(self) -> None:
        """Advance the model's state by one time step."""

    def _plan_steps(self, plan: Any) -> None:
        # Let the core loop step in C unless stepping or write decisions
        # were changed, on the class or on the instance.
        for name in ("should_iterate", "iterate", "should_write"):
            if self._overrides(name, StepwiseModel):
                return
        if self._overrides("_invoke_iterate"):
            return
        plan.perform_step = self.perform_step
        plan.time = self._time
        plan.num_steps = self._num_steps
        plan.write_start, plan.write_every = _int64_write_plan(
            self._write_start, self._write_every, self._num_steps
        )

    # .. Config ...............................................................

    def _check_root_cfg(self, root_cfg: dict) -> None:
        super()._check_root_cfg(root_cfg)
        _config.check_keys(STEP_KEYS, root_cfg, self._cfg_file_path)

    def _parse_root_cfg(  # type: ignore[override]
        self,
        *,
        num_steps: int,
        write_every: int = _DEFAULTS["write_every"],
        write_start: int = _DEFAULTS["write_start"],
        **kwargs: Any,
    ) -> None:
        self._time = 0
        self._num_steps = num_steps
        self._write_every = write_every
        self._write_start = write_start
        self.log.info(
            "Steps: %d, writing from %d every %d step(s).",
            num_steps,
            write_start,
            write_every,
        )
        super()._parse_root_cfg(
            num_steps=num_steps,
            write_every=write_every,
            write_start=write_start,
            **kwargs,
        )

    def _setup_finished(self) -> None:
        if self._write_start <= 0:
            self.log.info("Writing initial state ...")
            # Not through _invoke_write_data and not timed: as in the
            # original, the write_data timer and its overrides see the
            # loop's writes only. Its benchmark row is recorded, so that
            # there is one row per data write.
            self._timed_write(timed=False)
        self._initial_done = True
        super()._setup_finished()

    # .. Reporting ............................................................

    def compute_progress(self) -> float:
        """``time / num_steps`` (1 for a run of zero steps)."""
        return self._time / self._num_steps if self._num_steps else 1.0

    @_quiet_below(logging.DEBUG)
    def show_iteration_info(self) -> None:
        """Report the step just finished (debug level)."""
        self.log.debug("Finished step %d / %d.", self._time, self._num_steps)

    def _invoke_epilog(self, *, finished_run: bool) -> None:
        if not finished_run:
            self.log.info(
                "Last iteration step was: %d / %d.",
                self._time,
                self._num_steps,
            )
        super()._invoke_epilog(finished_run=finished_run)

    # .. Properties ...........................................................

    @property
    def time(self) -> int:
        """Steps made so far (not the same as ``n_iterations``)."""
        return self._counters.time

    @property
    def _time(self) -> int:
        # Kept for subclasses written against the original package.
        return self._counters.time

    @_time.setter
    def _time(self, value: int) -> None:
        self._counters.time = value

    @property
    def num_steps(self) -> int:
        """Number of steps of the run."""
        return self._num_steps

    @property
    def write_start(self) -> int:
        """First time at which data is written."""
        return self._write_start

    @property
    def write_every(self) -> int:
        """Steps between data writes."""
        return self._write_every

    @property
    def _write_start_stop_step(self) -> Tuple[int, int, int]:
        """``(write_start, num_steps + 1, write_every)``: the write times
        are ``range(*_write_start_stop_step)`` (the original's attribute,
        which model code copied from it reads)."""
        return (self._write_start, self._num_steps + 1, self._write_every)

    # .. Output ...............................................................

    def create_ts_dset(
        self,
        name: str,
        *,
        extra_dims: Sequence[str] = (),
        sizes: Mapping[str, int] = {},
        coords: Mapping[str, Any] = {},
        compression: Any = 2,
        **dset_kwargs: Any,
    ) -> h5py.Dataset:
        """Create a time-series dataset with a leading ``time`` dimension.

        The dataset starts with zero rows (resize before writing) and may
        grow to the number of writes still to come. Its attributes label
        dimensions and coordinates for the frontend's data loader; the
        ``time`` of the rows is the times of those writes (not always
        ``[write_start, write_every]``, see ``model/_writeplan.py``).

        Args:
            name: Dataset name in :attr:`h5group`.
            extra_dims: Names of dimensions after ``time``.
            sizes: Sizes of the extra dimensions; a missing one is unlimited.
            coords: Per extra dimension either a mode dict (``{mode: ...,
                coords: ...}``, ``coords`` optional) or explicit values.
            compression: Passed to h5py (default: gzip level 2), or
                ``"lz4"`` / ``"zstd"`` for an opt-in fast codec (needs
                ``hdf5plugin``, by its readers too; see
                ``io/_codecs.py``).
            **dset_kwargs: Passed to ``h5py.Group.create_dataset``.

        Raises:
            ValueError: For coords of an unknown dimension, explicit
                coordinates whose length differs from the dimension's size,
                or an unknown compression name.
            ImportError: For ``"lz4"`` or ``"zstd"`` without hdf5plugin.
        """
        plan = self._write_plan()
        if plan.regular:
            time_coords = start_and_step_coords("time", *self._coords(plan))
        else:
            time_coords = linked_coords("time", f"{name}_time")
        dset = create_ts_dataset(
            self.h5group,
            name,
            max_rows=self._max_rows(plan),
            time_coords=time_coords,
            extra_dims=extra_dims,
            sizes=sizes,
            coords=coords,
            compression=compression,
            **dset_kwargs,
        )
        if not plan.regular:
            finish = planned_labels(dset, f"{name}_time", plan.times())
            if self._output is not None:
                self._output.add(None, finish)
        if self._output is None:
            return dset
        # Its growth claims disk space first: "Disk full", never a crash.
        return ReservedDataset(dset, self._output.flusher.reserve)

    def _ts_writer_plan(self) -> Tuple[Optional[int], Optional[tuple], str]:
        # One row per planned write, labelled with the write times as
        # create_ts_dset's rows are; more rows are an IndexError.
        plan = self._write_plan()
        if plan.regular:
            return self._max_rows(plan), self._coords(plan), ""
        return (
            self._max_rows(plan),
            None,
            "_time",
        )  # each row labelled at its append

    def _write_plan(self) -> WritePlan:
        """The writes still to come (see :mod:`._writeplan`)."""
        pending = in_write_data(self) or not getattr(
            self, "_initial_done", False
        )
        return write_plan(
            self._time,
            pending,
            self._write_start,
            self._write_every,
            self._num_steps,
        )

    def _coords(self, plan: WritePlan) -> Tuple[int, int]:
        """``start_and_step`` of a regular plan, within int64 (where the
        start or step only matter if they are at most ``num_steps``)."""
        cap = min(self._num_steps + 1, 2**63 - 1)
        start, every = plan.start, plan.every
        return (
            start if start < 2**63 else cap,
            every if every < 2**63 else cap,
        )

    def _max_rows(self, plan: WritePlan) -> int:
        """Rows a dataset made now may grow to: the planned writes, or the
        original's count if larger (which may count a write at the current
        time that has already happened; a spare row costs nothing)."""
        start = max(self._time, self._write_start)
        original = len(range(start, self._num_steps + 1, self._write_every))
        return max(plan.count, original)

    def _num_writes_left(self) -> int:
        """Rows a dataset made now may grow to."""
        return self._max_rows(self._write_plan())


def _int64_write_plan(
    write_start: int, write_every: int, num_steps: int
) -> Tuple[int, int]:
    """Write start and interval with the same write times in steps 1 to
    ``num_steps``, but small enough for the loop's int64 arithmetic."""
    if write_start < 0:
        write_start %= write_every  # same residue, and below any step >= 1
    cap = num_steps + 1  # past every step: an interval this long or more
    return min(write_start, cap), min(write_every, cap)
