# cython: language_level=3, boundscheck=False, wraparound=False
"""The step of an elementary cellular automaton, compiled.

The run loop of utopya-backend calls ``RuleStep.step`` through the vtable:
no Python call per step. The density of live cells goes to a time-series
writer at C level (``RowWriter.append_double``) at each write.
"""

from libc.stdint cimport uint8_t
from libc.string cimport memcpy

from utopya_backend.cstep cimport CStep, RowWriter

import numpy as np


cdef class RuleStep(CStep):
    """One step of Wolfram rule ``rule`` on a ring of cells."""

    cdef uint8_t[::1] cells, scratch
    cdef uint8_t table[8]
    cdef RowWriter density
    cdef object state_writer

    def __init__(self, int rule, cells, density_writer, state_writer):
        cdef int k
        if not 0 <= rule <= 255:
            raise ValueError(f"rule must be in 0..255, got {rule}")
        for k in range(8):
            self.table[k] = (rule >> k) & 1
        self.cells = np.ascontiguousarray(cells, dtype=np.uint8)
        self.scratch = np.empty_like(self.cells)
        self.density = RowWriter(density_writer)
        self.state_writer = state_writer

    cdef int step(self) except -1:
        cdef Py_ssize_t i, n = self.cells.shape[0]
        cdef uint8_t[::1] a = self.cells, b = self.scratch
        for i in range(n):
            b[i] = self.table[
                (a[(i + n - 1) % n] << 2) | (a[i] << 1) | a[(i + 1) % n]
            ]
        memcpy(&a[0], &b[0], n)
        return 0

    def write(self):
        """Append the cells and their density (called by write_data)."""
        cdef Py_ssize_t i, live = 0, n = self.cells.shape[0]
        for i in range(n):
            live += self.cells[i]
        self.density.append_double(<double>live / n)
        self.state_writer.append(np.asarray(self.cells))
