"""StepwiseModel: a BaseModel iterating in fixed time steps."""

from __future__ import annotations

import abc
import logging
from typing import Any, Mapping, Optional, Sequence

import h5py

from . import _config
from .base import BaseModel, _quiet_below

__all__ = ["StepwiseModel"]


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

    def _loop_stepper(self) -> Optional[tuple]:
        # Let the core loop step in C unless a subclass changed how stepping
        # or write decisions work.
        cls = type(self)
        if (
            cls.should_iterate is StepwiseModel.should_iterate
            and cls.iterate is StepwiseModel.iterate
            and cls.should_write is StepwiseModel.should_write
        ):
            return (
                self.perform_step,
                self._time,
                self._num_steps,
                self._write_start,
                self._write_every,
            )
        return None

    # .. Config ...............................................................

    def _check_root_cfg(self, root_cfg: dict) -> None:
        super()._check_root_cfg(root_cfg)
        path = self._cfg_file_path
        _config.check_int(
            "num_steps",
            _config.require(root_cfg, "num_steps", path),
            path,
            minimum=0,
        )
        _config.check_int(
            "write_every", root_cfg.get("write_every", 1), path, minimum=1
        )
        _config.check_int("write_start", root_cfg.get("write_start", 0), path)

    def _parse_root_cfg(  # type: ignore[override]
        self,
        *,
        num_steps: int,
        write_every: int = 1,
        write_start: int = 0,
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
            self._invoke_write_data()
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
        return self._time

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
        dimensions and coordinates for the frontend's data loader.

        Args:
            name: Dataset name in :attr:`h5group`.
            extra_dims: Names of dimensions after ``time``.
            sizes: Sizes of the extra dimensions; a missing one is unlimited.
            coords: Per extra dimension either a mode dict (``{mode: ...,
                coords: ...}``, ``coords`` optional) or explicit values.
            compression: Passed to h5py.
            **dset_kwargs: Passed to ``h5py.Group.create_dataset``.

        Raises:
            ValueError: For coords of an unknown dimension, or explicit
                coordinates whose length differs from the dimension's size.
        """
        extra_dims = tuple(extra_dims)
        start = max(self._time, self._write_start)
        num_writes = len(range(start, self._num_steps + 1, self._write_every))
        extra_sizes = tuple(sizes.get(d) for d in extra_dims)
        for dim_name, values in coords.items():
            if dim_name not in extra_dims:
                raise ValueError(
                    f"Coordinates given for dimension '{dim_name}', which is "
                    f"not one of extra_dims: {', '.join(extra_dims) or '()'}"
                )
            size = sizes.get(dim_name)
            if not isinstance(values, Mapping) and size is not None:
                if len(values) != size:
                    raise ValueError(
                        f"Got {len(values)} coordinates for dimension "
                        f"'{dim_name}', but its size is {size}"
                    )

        # h5py's historical default, made explicit (implicit is deprecated).
        dset_kwargs.setdefault("dtype", "f4")
        dset = self.h5group.create_dataset(
            name,
            (0,) + tuple(s or 0 for s in extra_sizes),
            maxshape=(num_writes,) + extra_sizes,
            chunks=True,
            compression=compression,
            **dset_kwargs,
        )
        dset.attrs["dim_names"] = ["time", *extra_dims]
        dset.attrs["coords_mode__time"] = "start_and_step"
        dset.attrs["coords__time"] = [self._write_start, self._write_every]
        for dim_name, values in coords.items():
            if isinstance(values, Mapping):
                dset.attrs[f"coords_mode__{dim_name}"] = values["mode"]
                if "coords" in values:
                    dset.attrs[f"coords__{dim_name}"] = values["coords"]
            else:
                dset.attrs[f"coords_mode__{dim_name}"] = "values"
                dset.attrs[f"coords__{dim_name}"] = values
        return dset
