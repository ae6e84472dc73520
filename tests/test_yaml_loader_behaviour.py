"""The config loader: parameter tags, ``!expr`` and the errors of tags.

SPEC section 5: parameter-validation tags load as their value, a failed
check names the tag and the value; ``!expr`` evaluates simple arithmetic
and refuses what would take unbounded time, naming the expression.
"""

from __future__ import annotations

import math

import pytest

from utopya_backend.tools import ConfigError


@pytest.fixture
def error(load):
    """The first line of the error of a value on line 1."""

    def _error(text: str) -> str:
        with pytest.raises(ConfigError) as err:
            load(f"v: {text}\n")
        first = str(err.value).splitlines()[0]
        assert first.startswith("Invalid config file ") and ", line 1: " in (
            first
        )
        return first.split(", line 1: ", 1)[1]

    return _error


# .. parameter tags .........................................................

PASS = [
    ("is-positive", "1"), ("is-positive", "0.5"),
    ("is-positive-or-zero", "0"), ("is-positive-or-zero", "0.0"),
    ("is-negative", "-1"), ("is-negative", "-0.5"),
    ("is-negative-or-zero", "0"), ("is-negative-or-zero", "-2"),
    ("is-probability", "0"), ("is-probability", "1"),
    ("is-probability", "0.25"),
    ("is-in-unit-interval", "0"), ("is-in-unit-interval", "1.0"),
    ("is-int", "-3"), ("is-int", "0"),
    ("is-positive-int", "1"), ("is-negative-int", "-1"),
    ("is-unsigned", "0"), ("is-unsigned", "7"),
    ("is-string", "abc"), ("is-string", "''"), ("is-string", "'1.0'"),
    ("is-string", '"5"'), ("is-string", "'null'"),
    ("is-bool", "false"), ("is-bool", "true"),
]  # fmt: skip
FAIL = [
    ("is-positive", "0", "0"), ("is-positive", "-1", "-1"),
    ("is-positive", "true", "True"), ("is-positive", "'5'", "'5'"),
    ("is-positive", '"1.5"', "'1.5'"),
    ("is-positive-or-zero", "-0.1", "-0.1"),
    ("is-positive-or-zero", "false", "False"),
    ("is-negative", "0", "0"), ("is-negative", "1", "1"),
    ("is-negative-or-zero", "0.1", "0.1"),
    ("is-probability", "-0.01", "-0.01"), ("is-probability", "1.01", "1.01"),
    ("is-probability", "true", "True"),
    ("is-in-unit-interval", "2", "2"),
    ("is-int", "2.0", "2.0"), ("is-int", "true", "True"),
    ("is-positive-int", "0", "0"), ("is-positive-int", "2.5", "2.5"),
    ("is-positive-int", "true", "True"),
    ("is-negative-int", "0", "0"), ("is-negative-int", "-1.5", "-1.5"),
    ("is-unsigned", "-1", "-1"), ("is-unsigned", "1.0", "1.0"),
    ("is-unsigned", "true", "True"),
    ("is-string", "1", "1"), ("is-string", "null", "None"),
    ("is-bool", "1", "1"), ("is-bool", "'true'", "'true'"),
]  # fmt: skip


@pytest.mark.parametrize("mode, text", PASS)
def test_parameter_tag_loads_its_value(value, load, mode, text):
    plain = load(f"v: {text}\n")["v"]
    got = value(f"!{mode} {text}")
    assert got == plain and type(got) is type(plain)


@pytest.mark.parametrize("mode, text", PASS)
def test_parameter_tag_mapping_loads_its_default(value, load, mode, text):
    plain = load(f"v: {text}\n")["v"]
    got = value(f"!{mode} {{default: {text}, limits: [0, 1]}}")
    assert got == plain and type(got) is type(plain)


@pytest.mark.parametrize("mode, text, shown", FAIL)
def test_parameter_tag_refuses_naming_tag_and_value(error, mode, text, shown):
    expected = f"Tag !{mode} failed: ValueError: value {shown} fails {mode}"
    assert error(f"!{mode} {text}") == expected
    assert error(f"!{mode} {{default: {text}}}") == expected


def test_block_scalar_is_a_string(load):
    assert load("v: !is-string |\n  5\n")["v"] == "5\n"
    with pytest.raises(ConfigError, match=r"value '5\\n' fails is-int"):
        load("v: !is-int |\n  5\n")


def test_parameter_mapping_without_default_is_checked_as_is(error):
    assert error("!is-string {a: 1}") == (
        "Tag !is-string failed: ValueError: value {'a': 1} fails is-string"
    )


def test_param_tag(value, error):
    assert value("!param {default: [1, 2], dtype: int}") == [1, 2]
    assert value("!param {default: null}") is None
    why = "Tag !param failed: ValueError: expected a mapping with a 'default'"
    assert error("!param 3") == why
    assert error("!param {value: 3}") == why
    assert error("!param [default, 3]") == why


# .. tagged scalars load as their plain YAML type ...........................


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5", 5), ("1.5", 1.5), ("null", None), ("true", True),
        ("abc", "abc"), ("'5'", "5"), ('"true"', "true"), ("''", ""),
        ('"null"', "null"), ("'1e3'", "1e3"),
    ],
)  # fmt: skip
def test_tagged_scalar_has_its_plain_type(value, text, expected):
    """A quoted scalar stays a string under a tag, as it is without."""
    got = value(f"!deepcopy {text}")
    assert got == expected and type(got) is type(expected)


def test_single_argument_tags_are_not_unpacked(value):
    assert value("!deepcopy [1, [2]]") == [1, [2]]
    assert value("!deepcopy {a: [1], b: {c: 2}}") == {"a": [1], "b": {"c": 2}}
    assert value("!sum [1, 2, 3]") == 6


def test_tag_error_names_tag_line_and_column(load):
    with pytest.raises(ConfigError) as err:
        load("a: 1\nb:\n  c:   !range [x]\n")
    msg = str(err.value)
    assert msg.splitlines()[0].endswith(
        "cfg.yml, line 3: Tag !range failed: TypeError: "
        "'str' object cannot be interpreted as an integer"
    )
    assert "line 3, column 8" in msg
    assert isinstance(err.value.__cause__.__cause__, TypeError)


# .. !expr ...................................................................


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-3", -3),
        ("+3", 3),
        ("+(-3)", -3),
        ("-(-2)", 2),
        ("2 * (3 + 4) - 1", 13),
        ("1 / 4", 0.25),
        ("2 ** 10", 1024),
        ("1e3", 1000.0),
        ("1**1000000", 1),
        ("(-1)**1000001", -1),
        ("2**50000", 2**50000),
        ("2**49999 * 2**49999 + 2", 2**99998 + 2),
        ("2**49999 * 2**49999", 2**99998),
        ("np.inf", math.inf),
        ("-np.inf", -math.inf),
        ("1-np.inf", -math.inf),
        ("-INF", -math.inf),
        ("'  7  '", 7),
        ("1" + " " * 996 + "+ 2", 3),  # 1000 characters: the longest allowed
    ],
    ids=lambda x: x[:24] if isinstance(x, str) else "",
)
def test_expr_values(value, text, expected):
    got = value(f"!expr {text}")
    assert got == expected and type(got) is type(expected)


def test_expr_aliases_and_nan(value):
    assert value("!expression 1 + 1") == 2
    assert value("!compute 3 * 3") == 9
    assert math.isnan(value("!expr np.nan")) and math.isnan(value("!expr nan"))


@pytest.mark.parametrize(
    "expr",
    ["2**50001", "(2**50000)**2", "2**50000 * 2**50000", "3**50001"],
)
def test_expr_refuses_results_too_large(error, expr):
    assert error(f"!expr {expr}") == (
        f"Tag !expr failed: ValueError: Cannot evaluate expression "
        f"{expr!r}: result too large"
    )


def test_expr_refuses_long_expressions(error):
    expr = "1" + " " * 997 + "+ 2"
    assert error(f"!expr {expr}") == (
        "Tag !expr failed: ValueError: Expression is longer than 1000 "
        "characters"
    )


def test_expr_names_the_unsupported_element(error):
    assert error("!expr abs(2)") == (
        "Tag !expr failed: ValueError: Cannot evaluate expression "
        "'abs(2)': unsupported element \"Call(func=Name(id='abs', "
        'ctx=Load()), ar"'
    )
    assert error("!expr 1 / 0") == (
        "Tag !expr failed: ValueError: Cannot evaluate expression "
        "'1 / 0': division by zero"
    )


def test_expr_needs_a_string(error):
    assert error("!expr [1, 2]") == (
        "Tag !expr failed: TypeError: expected an expression string"
    )
