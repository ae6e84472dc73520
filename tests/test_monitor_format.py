"""Monitor lines load back with yaml.safe_load to exactly the given values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from utopya_backend.model._monitor import format_monitor_line, yaml_flow

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def same(a, b) -> bool:
    """Equality that treats NaN as equal to NaN and checks types."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def plain(v):
    """What a value should load back as."""
    if isinstance(v, (np.generic, np.ndarray)):
        return plain(v.tolist() if isinstance(v, np.ndarray) else v.item())
    if isinstance(v, dict):
        return {plain(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.integers(-(2**62), 2**62).map(np.int64),
    st.floats(width=32).map(np.float32),
    st.booleans().map(np.bool_),
)
keys = st.one_of(st.text(min_size=1), st.integers())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    info=st.dictionaries(keys, values, max_size=5), name=st.text(min_size=1)
)
def test_monitor_line_round_trips(info, name):
    line = format_monitor_line(0.5, 3, name, info)
    assert "\n" not in line
    loaded = yaml.safe_load(line)
    assert same(loaded, {"progress": 0.5, "n_iter": 3, name: plain(info)})


def test_examples_and_numpy_values():
    info = {
        "a": np.int64(5),
        "arr": np.arange(3),
        "s": 'quote " colon: {brace}, #hash',
        "yes": "yes",
        "none": None,
        "f": 1e-5,
        "big": 1.5e300,
        "inf": -np.inf,
    }
    line = format_monitor_line(0.25, 10, "MyModel", info)
    assert "np.int64" not in line
    d = yaml.safe_load(line)["MyModel"]
    assert d["a"] == 5 and d["arr"] == [0, 1, 2]
    assert d["s"] == 'quote " colon: {brace}, #hash' and d["yes"] == "yes"
    assert d["f"] == 1e-5 and d["big"] == 1.5e300 and d["inf"] == -math.inf
    assert yaml_flow(float("nan")) == ".nan"
