"""The model's HDF5 output file: creation, time-series writers, teardown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Tuple

import h5py

from ..io import TimeSeriesWriter, _provenance, _swmr
from ..io._writer import make_writer
from ..logging import backend_logger as _backend_logger

if TYPE_CHECKING:  # pragma: no cover
    from ._state import ModelState as _ModelState
else:
    _ModelState = object  # at run time: no base but object

__all__ = ["OutputMixin"]


class OutputMixin(_ModelState):
    """Output file and writers; a base of :class:`BaseModel`."""

    @property
    def h5group(self) -> h5py.Group:
        """The HDF5 group this model writes to, named after the model."""
        return self._h5group

    def _setup_output_file(self) -> h5py.File:
        """Create the HDF5 output file; never overwrites an existing one.

        With ``swmr: true`` in a format a SWMR reader can follow; the run
        loop switches it to SWMR writing when it starts."""
        path = self._root_values["output_path"]  # with ~ expanded
        self.log.info("Creating HDF5 output file at:\n  %s", path)
        if self._root_values.get("swmr"):
            f = _swmr.create(path)
        else:
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
        max_rows, start_and_step, label_attr = self._ts_writer_plan()
        return make_writer(
            self.h5group,
            name,
            sync=self._output,
            max_rows=max_rows,
            start_and_step=start_and_step,
            label_source=self if start_and_step is None else None,
            label_attr=label_attr,
            extra_dims=extra_dims,
            sizes=sizes,
            coords=coords,
            compression=compression,
            **dset_kwargs,
        )

    def _ts_writer_plan(self) -> Tuple[Optional[int], Optional[tuple], str]:
        """Most rows of a time-series writer, its ``(start, step)`` time
        coordinates, or else the attribute labelling each row at its
        append; here: unbounded, labelled by :attr:`n_iterations`."""
        return None, None, "_n_iterations"

    def _close_output(self) -> None:
        """Write pending rows and close the output file, once; failures
        are logged, never raised.

        Once: after a failed ``__init__`` closed the output, garbage
        collection calls this again, which must not retry a failed close
        or report the same lost rows a second time (as a closed-file
        error)."""
        # getattr, not __dict__: see _run._hook_function.
        f = getattr(self, "_h5file", None)
        if f is None or getattr(self, "_output_closed", False):
            return
        self._output_closed = True
        log = getattr(self, "_log", _backend_logger)
        try:
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
        output = getattr(self, "_output", None)
        if output is not None and not f.id.valid:
            output.flusher.reserve.release()  # the space reserved ahead

    def _finish_output(self) -> None:
        """Write every pending row, finish the datasets, flush the file.

        Also if the model closed the file: rows still pending then are
        lost, and the error raised says so."""
        output = getattr(self, "_output", None)
        if output is not None:
            output.finish()

    def _write_pending(self) -> None:
        """Write every pending row and flush the file: run() calls this
        before the epilog, which may close the file."""
        output = getattr(self, "_output", None)
        f = getattr(self, "_h5file", None)
        if output is not None and f is not None and f.id.valid:
            output.sync()
        self._leave_swmr()

    def _leave_swmr(self) -> None:
        """End SWMR writing before the end of the run writes attributes
        (see :mod:`..io._swmr`); failures are logged: the end of the output
        raises what is lost."""
        output = getattr(self, "_output", None)
        if output is None:
            return
        try:
            output.leave_swmr()
        except Exception as exc:
            self.log.error(
                "Leaving SWMR mode failed, got %s: %s", type(exc).__name__, exc
            )
