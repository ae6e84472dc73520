# cython: language_level=3
"""C-level interface of the row buffer, for ``cimport`` by the timing core."""

from libc.stdint cimport int64_t


cdef class RowBuffer:
    cdef object _name
    cdef tuple _row_shape
    cdef object _dtype
    cdef object _sink
    cdef Py_ssize_t _block_rows
    cdef bint _has_max
    cdef int64_t _max_rows
    cdef object _label_source
    cdef object _label_attr
    cdef bint _labelled
    cdef object _block
    cdef object _spare
    cdef bint _borrows
    cdef object _labels_arr
    cdef Py_ssize_t _row_nbytes
    cdef int _row_ndim
    cdef unsigned char *_data
    cdef int64_t *_labels
    cdef int _scalar_kind
    cdef bytes _format
    cdef Py_ssize_t _n_pending
    cdef Py_ssize_t _n_written
    cdef unsigned long _owner
    cdef object _owner_thread

    cdef Py_ssize_t _hand_over(self) except -1
    cdef int _set_block(self, object block) except -1
    cdef char *_slot(self) except NULL
    cdef int _commit(self, int64_t label) except -1
    cdef void _prefetch_next(self) noexcept
    cdef int64_t _label(self) except? -1
    cdef int _check_thread(self, str what) except -1
    cdef bint _exact_view(self, object row, Py_buffer *view) except -1
