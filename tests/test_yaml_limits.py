"""YAML tags that would eat the machine are refused fast, naming the tag.

Limits (see ``utopya_backend.yamlcfg._yaml``): strings of at most 10**7
characters, sequences (and arrays) of at most 10**6 elements, ints of at
most 100,000 bits.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from utopya_backend import load_cfg_file
from utopya_backend.tools import ConfigError


def _laughs(levels: int = 9) -> str:
    """A "billion laughs": 10**levels leaves in few objects (YAML aliases).

    A flow sequence whose last element, ``*l8``, nests ten-fold
    ``levels`` deep; to be used inside a tag's argument, where it is built
    completely before the tag's function sees it.
    """
    parts = ["&l0 [" + ", ".join(["0"] * 10) + "]"]
    for i in range(1, levels):
        parts.append(f"&l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "[" + ", ".join(parts) + "]"


@pytest.fixture
def load_file(tmp_path):
    def load(text: str):
        p = tmp_path / "limits.yml"
        p.write_text(text)
        return load_cfg_file(str(p))

    return load


@pytest.mark.parametrize(
    "value, tag",
    [
        ("!pow [10, 1000000000]", "!pow"),
        ("!pow [2, 100001]", "!pow"),
        ("!mul ['ab', 1000000000]", "!mul"),
        ("!mul [[1, 2], 1000000000]", "!mul"),
        ("!mul [1000000000, 'ab']", "!mul"),
        ("!mul [!pow [2, 60000], !pow [2, 60000]]", "!mul"),
        ("!prod ['ab', 1000000000]", "!prod"),
        ("!format ['{0:>1000000000}', 1]", "!format"),
        ("!format ['{0:.1000000000f}', 1.5]", "!format"),
        ("!format ['{0:>{1}}', 1, 1000000000]", "!format"),
        ("!format {fstr: '{x:1000000000}', x: 1}", "!format"),
        ("!mod ['%1000000000d', 1]", "!mod"),
        ("!mod ['%(x)1000000000s', {x: 1}]", "!mod"),
        ("!listgen [0, 1000000000]", "!listgen"),
        ("!listgen [0, 1000000000000000000000]", "!listgen"),
        ("!listgen {from_range: [0, 1000000000]}", "!listgen"),
        ("!listgen {append: !range [0, 1000000000000]}", "!listgen"),
        ("!arange [0, 1000000000]", "!arange"),
        ("!linspace [0, 1, 1000000000]", "!linspace"),
        ("!logspace {start: 0, stop: 1, num: 1000000000}", "!logspace"),
        ("!concat [!range [0, 1000000000000], [1]]", "!concat"),
        ("!join ['', !range [0, 1000000000000]]", "!join"),
        ("!join [!mul ['x', 9000000], ['a', 'b', 'c']]", "!join"),
        ("!add [!mul ['x', 9000000], !mul ['y', 9000000]]", "!add"),
    ],
)
def test_unbounded_tags_are_refused_fast(load_file, value, tag):
    t0 = time.monotonic()
    with pytest.raises(ConfigError) as err:
        load_file(f"ok: 1\nx: {value}\n")
    assert time.monotonic() - t0 < 2
    line = str(err.value).splitlines()[0]
    assert tag in line and "limits.yml" in line and "line 2" in line
    assert "too large" in line


@pytest.mark.parametrize(
    "template, tag",
    [
        ("!array [!if-else [false, LAUGHS, *l8]]", "!array"),
        ("!format ['{0[8]}', LAUGHS]", "!format"),
        ("!format {fstr: '{x}', x: LAUGHS}", "!format"),
        ("!mod ['%(x)s', {x: LAUGHS}]", "!mod"),
    ],
)
def test_shared_nested_lists_are_not_expanded(load_file, template, tag):
    t0 = time.monotonic()
    with pytest.raises(ConfigError) as err:
        load_file(f"ok: 1\nx: {template.replace('LAUGHS', _laughs())}\n")
    assert time.monotonic() - t0 < 2
    line = str(err.value).splitlines()[0]
    assert tag in line and "limits.yml" in line and "too large" in line


def test_values_within_the_limits_still_load(load_file):
    d = load_file(textwrap.dedent("""\
        pow: !pow [2, 1000]
        powmod: !pow [10, 1000000000, 7]
        fpow: !pow [10.0, 2]
        mul: !mul ['ab', 3]
        muls: !mul [3, 'ab']
        big: !mul ['x', 10000000]
        mull: !mul [[0], 1000000]
        prod: !prod [2, 3, 4]
        fmt: !format ['{0:>5}|{1:.2f}|{2:{3}}', 'a', 1.5, 'b', 3]
        fmt2: !format {fstr: '{x:09d}', x: 42}
        mod: !mod ['%5d', 1]
        modd: !mod ['%(a)s|%(b).2f', {a: x, b: 2.5}]
        modint: !mod [17, 5]
        lg: !listgen [0, 1000000]
        lg2: !listgen {from_range: [0, 5], append: [7], remove: [1]}
        ar: !arange [0, 1, 0.25]
        ls: !linspace [0, 1, 5]
        lgs: !logspace [0, 2, 3]
        cat: !concat [[1], [2, 3]]
        join: !join ['-', ['a', 'b']]
        add: !add [1, 2]
        adds: !add ['a', 'b']
        """))
    assert d["pow"] == 2**1000 and d["powmod"] == pow(10, 10**9, 7)
    assert d["fpow"] == 100.0
    assert d["mul"] == "ababab" and d["muls"] == "ababab"
    assert len(d["big"]) == 10**7 and len(d["mull"]) == 10**6
    assert d["prod"] == 24
    assert d["fmt"] == "    a|1.50|b  " and d["fmt2"] == "000000042"
    assert d["mod"] == "    1" and d["modd"] == "x|2.50"
    assert d["modint"] == 2
    assert len(d["lg"]) == 10**6 and d["lg2"] == [0, 2, 3, 4, 7]
    assert d["ar"] == [0, 0.25, 0.5, 0.75] and len(d["ls"]) == 5
    assert d["lgs"] == [1.0, 10.0, 100.0]
    assert d["cat"] == [1, 2, 3] and d["join"] == "a-b"
    assert d["add"] == 3 and d["adds"] == "ab"
