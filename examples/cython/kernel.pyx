# cython: language_level=3
from utopya_backend._timing cimport Timer


def kernel(Timer t, long n):
    """Time each of n iterations of a loop that holds no GIL."""
    cdef long i
    with nogil:
        for i in range(n):
            t.c_unpause()
            pass  # the work to time
            t.c_pause()
    return t.invocations
