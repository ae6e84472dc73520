"""The size limits of the arithmetic and formatting tags, at their edges.

Values up to a limit load; one more is refused with the whole reason
(``result too large: <n> characters/elements, more than the limit of
<limit>``). Within the limits the tags are Python's operators.
"""

from __future__ import annotations

import textwrap

import pytest

from utopya_backend import load_cfg_file
from utopya_backend.tools import ConfigError

STR = "more than the limit of 10000000"
SEQ = "more than the limit of 1000000"


@pytest.fixture
def value(tmp_path):
    def _value(text: str):
        p = tmp_path / "lim.yml"
        p.write_text(textwrap.dedent(f"v: {text}\n"))
        return load_cfg_file(str(p))["v"]

    return _value


@pytest.fixture
def error(value):
    """The reason (after file and line) of the error a value raises."""

    def _error(text: str) -> str:
        with pytest.raises(ConfigError) as err:
            value(text)
        return str(err.value).splitlines()[0].split(", line 1: ", 1)[1]

    return _error


# .. !mul, !add, !prod, !pow ................................................


def test_mul_of_numbers_and_sequences(value):
    assert value("!mul [1.5, 2]") == 3.0
    assert value("!mul [2, 2.5]") == 5.0
    assert value("!mul [ab, -1]") == "" and value("!mul [-2, [1]]") == []


def test_mul_names_characters_for_strings_and_elements_for_lists(error):
    assert error("!mul [ab, 5000001]") == (
        f"Tag !mul failed: _TooLarge: result too large: 10000002 "
        f"characters, {STR}"
    )
    assert error("!mul [5000001, ab]") == (
        f"Tag !mul failed: _TooLarge: result too large: 10000002 "
        f"characters, {STR}"
    )
    assert error("!mul [[1, 2], 500001]") == (
        f"Tag !mul failed: _TooLarge: result too large: 1000002 "
        f"elements, {SEQ}"
    )


def test_mul_by_zero_of_a_list_longer_than_the_limit(value):
    """The limit is on the result: zero copies of anything is empty."""
    long = "[" + ", ".join(["0"] * 1000001) + "]"
    assert value(f"!mul [{long}, 0]") == []
    assert value(f"!mul [0, {long}]") == []


def test_int_products_and_powers_at_the_bit_limit(value, error):
    assert value("!mul [!pow [2, 49999], !pow [2, 49999]]") == 2**99998
    assert value("!pow [2, 100000]") == 2**100000
    assert value("!pow [!pow [2, 50000], 2]") == 2**100000
    too_large = (
        "_TooLarge: result too large: an int of about {} bits, more "
        "than the limit of 100000 bits"
    )
    assert error("!pow [!pow [2, 50001], 2]") == (
        "Tag !pow failed: " + too_large.format(100002)
    )
    assert error("!mul [!pow [2, 50000], !pow [2, 50000]]") == (
        "Tag !mul failed: " + too_large.format(100002)
    )


@pytest.mark.parametrize(
    "text, expected",
    [("!pow [0, 5]", 0), ("!pow [5, 0]", 1), ("!pow [1, 1000000]", 1),
     ("!pow [-1, 1000001]", -1), ("!pow [2, -1]", 0.5),
     ("!pow [3, 4, 5]", 1)],
)  # fmt: skip
def test_pow_values(value, text, expected):
    got = value(text)
    assert got == expected and type(got) is type(expected)


def test_prod(value):
    assert value("!prod []") == 1
    assert value("!prod [2, 2.5]") == 5.0
    assert value("!prod [ab, 2]") == "abab"


def test_add(value, error):
    assert len(value("!add [!mul [a, 600000], !mul [b, 600000]]")) == 1200000
    assert value("!add [[1], [2]]") == [1, 2]
    assert error("!add [a, 1]") == (
        'Tag !add failed: TypeError: can only concatenate str (not "int") '
        "to str"
    )
    assert error("!add [!mul [a, 5000000], !mul [b, 5000001]]") == (
        f"Tag !add failed: _TooLarge: result too large: 10000001 "
        f"characters, {STR}"
    )


# .. !format and !mod specs ..................................................


def test_format_width_at_the_limit(value, error):
    assert len(value("!format ['{0:>10000000}', 1]")) == 10000000
    assert error("!format ['{0:>10000001}', 1]") == (
        "Tag !format failed: _TooLarge: result too large: width or "
        f"precision 10000001 in format spec '>10000001', {STR}"
    )
    assert error("!format ['{0:>99999999999999999999}', 1]") == (
        "Tag !format failed: _TooLarge: result too large: width or "
        "precision 99999999999999999999 in format spec "
        f"'>99999999999999999999', {STR}"
    )


def test_mod_formats_bytes_too(value, error):
    assert value("!mod [!!binary JTVk, 1]") == b"    1"  # b"%5d"
    assert error("!mod [!!binary JTEwMDAwMDAxZA==, 1]") == (  # b"%10000001d"
        "Tag !mod failed: _TooLarge: result too large: width or "
        f"precision 10000001 in format spec '%10000001d', {STR}"
    )


# .. !array: nested values counted ...........................................


def test_array_size_counts_nesting(value, error):
    flat = "[" + ", ".join(["0"] * 500000) + "]"  # counts 10**6: 2 each
    assert value(f"!array {flat}").shape == (500000,)
    assert error("!array [!range [1000001]]") == (
        "Tag !array failed: _TooLarge: result too large: the arguments "
        f"expand to 1000002 elements and characters, {SEQ}"
    )
    one = "!array [!range [600000]]"  # an array of 600000 numbers
    both = f"!array [{one}, {one}]"
    assert error(both) == (
        "Tag !array failed: _TooLarge: result too large: the arguments "
        f"expand to 1200002 elements and characters, {SEQ}"
    )


# .. ranges count exactly, whatever their step ...............................


@pytest.mark.parametrize(
    "rng, n",
    [("[0, 2000001, 2]", 1000001), ("[1, 1000002]", 1000001),
     ("[1000001, 0, -1]", 1000001), ("[3000000, 0, -3]", 1000000)],
)  # fmt: skip
def test_concat_counts_ranges_exactly(value, error, rng, n):
    text = f"!concat [!range {rng}]"
    if n > 1000000:
        assert error(text) == (
            f"Tag !concat failed: _TooLarge: result too large: {n} "
            f"elements, {SEQ}"
        )
    else:
        assert len(value(text)) == n


def test_concat_of_ranges_within_the_limit(value):
    assert len(value("!concat [!range [2, 1000002], !range [3, 3]]")) == (
        1000000
    )
    assert len(value("!concat [!range [0, 1999999, 2]]")) == 1000000
    assert value("!concat [!range [5, 0, -2], !range [0, 5, -1]]") == [5, 3, 1]


def test_join_of_non_strings_names_the_item(error):
    assert error("!join [',', [!mul [a, 9999999], 1]]") == (
        "Tag !join failed: TypeError: sequence item 1: expected str "
        "instance, int found"
    )


def test_expr_float_times_huge_int_overflows_not_too_large(error):
    """A float factor adds no bits: the product is a float overflow."""
    expr = "(2**50000 - 1) * (2**50000 - 1) * 0.5"
    msg = error(f"!expr {expr}")
    assert msg == (
        f"Tag !expr failed: ValueError: Cannot evaluate expression "
        f"{expr!r}: int too large to convert to float"
    )
