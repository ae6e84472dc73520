"""The write times a StepwiseModel plans for a dataset, read in chunks
(as the labels of an irregular plan are written)."""

from __future__ import annotations

import numpy as np
import pytest

from utopya_backend.model._writeplan import write_plan


@pytest.mark.parametrize(
    "start, every, num_steps, want",
    [
        (-3, 2, 10, [0, 1, 3, 5, 7, 9]),
        (-4, 3, 12, [0, 2, 5, 8, 11]),
        (2, 3, 13, [2, 5, 8, 11]),
        (0, 1, 6, [0, 1, 2, 3, 4, 5, 6]),
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 20])
def test_times_in_chunks_are_the_write_times(
    start, every, num_steps, want, chunk
):
    """Any chunk size gives the same times, each chunk int64 and at most
    ``chunk`` long; ``count`` matches."""
    plan = write_plan(0, True, start, every, num_steps)
    chunks = list(plan.times(chunk))
    assert all(c.dtype == np.int64 for c in chunks)
    assert all(0 < len(c) <= chunk for c in chunks)
    assert np.concatenate(chunks).tolist() == want
    assert plan.count == len(want)
