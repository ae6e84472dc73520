"""Monitor lines as the frontend reads them (``yaml.safe_load``): fixed
examples for tuples, tiny floats, unknown types, keys that are YAML words
in other cases, and keys longer than YAML's 1024-character limit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from utopya_backend.model._monitor import format_monitor_line


def loaded(info, *, name="M", progress=0.5, n_iter=3):
    line = format_monitor_line(progress, n_iter, name, info)
    assert line.startswith("!!map {") and "\n" not in line
    out = yaml.safe_load(line)
    assert list(out) == ["progress", "n_iter", name]
    return out


def test_progress_and_iteration_count():
    out = loaded({}, progress=1e-05, n_iter=12)
    assert out == {"progress": 1e-05, "n_iter": 12, "M": {}}
    assert type(out["progress"]) is float
    for progress in (0.0, 1.0, 1e-300, 2.5e-8, 1e16, 0.1):
        assert loaded({}, progress=progress)["progress"] == progress


@pytest.mark.parametrize(
    "value",
    [1e-05, 1e-7, 5e-324, 1e16, 1.5e300, -2e-05, 1e22, 123456789012.5],
)
def test_floats_in_exponent_form_stay_floats(value):
    got = loaded({"x": value, "l": [value]})["M"]
    assert got == {"x": value, "l": [value]}
    assert type(got["x"]) is float


def test_special_floats():
    got = loaded({"n": math.nan, "p": math.inf, "m": -math.inf})["M"]
    assert math.isnan(got["n"])
    assert got["p"] == math.inf and got["m"] == -math.inf


def test_tuples_sets_and_nesting_become_lists():
    info = {
        "t": (1, 2.5, "a"),
        "empty": (),
        "nested": ((1, 2), [3, (4,)]),
        "s": frozenset([7]),
        "d": {"inner": (None, True, False)},
    }
    assert loaded(info)["M"] == {
        "t": [1, 2.5, "a"],
        "empty": [],
        "nested": [[1, 2], [3, [4]]],
        "s": [7],
        "d": {"inner": [None, True, False]},
    }


def test_numpy_values():
    info = {
        "i": np.int64(-5),
        "f": np.float32(0.5),
        "b": np.bool_(False),
        "a": np.array([[1, 2], [3, 4]]),
        "e": np.float64(1e-05),
        "o": np.array([1, "x"], dtype=object),
    }
    got = loaded(info)["M"]
    assert got == {
        "i": -5,
        "f": 0.5,
        "b": False,
        "a": [[1, 2], [3, 4]],
        "e": 1e-05,
        "o": [1, "x"],
    }
    assert type(got["b"]) is bool and type(got["e"]) is float


class Thing:
    def __str__(self) -> str:
        return "a thing: {with} [brackets], #and 'quotes'"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


def test_objects_of_unknown_types_are_their_str():
    got = loaded({"t": Thing(), "u": Unprintable(), "l": [Thing()]})["M"]
    assert got == {
        "t": "a thing: {with} [brackets], #and 'quotes'",
        "u": "<unprintable Unprintable>",
        "l": ["a thing: {with} [brackets], #and 'quotes'"],
    }


@pytest.mark.parametrize(
    "key",
    [
        "TRUE",
        "True",
        "true",
        "Null",
        "NULL",
        "null",
        "Yes",
        "NO",
        "On",
        "off",
        "Y",
        "n",
        "False",
        "NaN",
        "Inf",
        "a key",
        "1abc",
        "_ok",
        "x-y",
        "",
        "~",
    ],
)
def test_keys_stay_strings(key):
    got = loaded({key: 1}, name=key)
    assert got[key] == {key: 1}
    assert all(type(k) is str for k in got)


def test_plain_keys_are_written_plain():
    line = format_monitor_line(0.5, 1, "Model_1", {"abc_1": 1})
    assert line == "!!map {progress: 0.5, n_iter: 1, Model_1: {abc_1: 1}}"


def test_non_string_keys():
    got = loaded({1: "a", 2.5: "b", None: "c", False: "d"})["M"]
    assert got == {1: "a", 2.5: "b", None: "c", False: "d"}
    assert [type(k) for k in got] == [int, float, type(None), bool]


@pytest.mark.parametrize("length", [998, 999, 1000, 1024, 1025, 5000])
def test_long_keys(length):
    key = "k" * length
    quoted = "é" * (length // 4)  # written as \\xe9: four characters each
    got = loaded({key: 1, quoted: 2}, name=key)
    assert got[key] == {key: 1, quoted: 2}


def test_long_non_string_key():
    key = 10 ** (1100)
    assert loaded({key: "big"})["M"] == {key: "big"}


@pytest.mark.parametrize(
    "text",
    [
        'quote " and backslash \\ and tab \t',
        "newline\nand return\r",
        "\x00\x01\x1f\x7f",
        "latin é ÿ",
        "bmp € \u2028 \ufeff",
        "astral \U0001f600",
        "escape boundaries \x1f \x20 \x7e \x7f \xff \u0100 \uffff \U00010000",
        "",
        "   spaces   ",
        "- dash",
        "123",
        "1e-05",
    ],
)
def test_strings(text):
    got = loaded({"s": text, text: "k"})["M"]
    assert got == {"s": text, text: "k"}
    assert type(got["s"]) is str


def test_containers_inside_themselves():
    d = {"a": 1}
    d["self"] = d
    lst = [1]
    lst.append(lst)
    got = loaded({"d": d, "l": lst})["M"]
    assert got == {"d": {"a": 1, "self": "{...}"}, "l": [1, "[...]"]}


def test_a_value_seen_twice_is_not_a_cycle():
    shared = [1, 2]
    got = loaded({"a": shared, "b": [shared, shared]})["M"]
    assert got == {"a": [1, 2], "b": [[1, 2], [1, 2]]}
