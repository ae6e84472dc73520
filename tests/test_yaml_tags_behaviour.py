"""What each value tag of a config file loads to, at its edges and limits.

The tags are utopya's (``yayaml``'s) tag library (SPEC section 5): users
write them into model configs and rely on the exact value, so every test
here pins a loaded value or the whole error text (tag, reason, value).
"""

from __future__ import annotations

import pytest

from utopya_backend.tools import ConfigError

LIMIT = "more than the limit of 1000000"


@pytest.fixture
def error(load):
    """The first line of the error a tagged value raises."""

    def _error(text: str) -> str:
        with pytest.raises(ConfigError) as err:
            load(f"v: {text}\n")
        return str(err.value).splitlines()[0]

    return _error


# .. !str-to-bool and !getboolenv ...........................................

TRUE_WORDS = ["y", "yes", "t", "true", "on", "1", " YES ", "True", "On"]
FALSE_WORDS = ["n", "no", "f", "false", "off", "0", " No ", "FALSE", "Off"]


@pytest.mark.parametrize("word", TRUE_WORDS)
def test_str_to_bool_true_words(value, word):
    assert value(f"!str-to-bool '{word}'") is True


@pytest.mark.parametrize("word", FALSE_WORDS)
def test_str_to_bool_false_words(value, word):
    assert value(f"!str-to-bool '{word}'") is False


@pytest.mark.parametrize(
    "word, shown", [("maybe", "'maybe'"), ("2", "2"), ("yess", "'yess'")]
)
def test_str_to_bool_refuses_other_words_naming_them(error, word, shown):
    assert error(f"!str-to-bool {word}").endswith(
        f"Tag !str-to-bool failed: ValueError: Invalid truth value {shown}"
    )


@pytest.mark.parametrize("word", TRUE_WORDS[:6] + FALSE_WORDS[:6])
def test_boolenv_parses_the_variable(value, monkeypatch, word):
    monkeypatch.setenv("UB_FLAG", word)
    expected = word in TRUE_WORDS
    assert value("!getboolenv UB_FLAG") is expected
    assert value("!boolenv [UB_FLAG, 7]") is expected


def test_boolenv_fallback_is_returned_as_given(value, monkeypatch):
    monkeypatch.delenv("UB_UNSET", raising=False)
    assert value("!boolenv [UB_UNSET, 7]") == 7
    assert value("!boolenv [UB_UNSET, 'no']") is False


def test_boolenv_refuses_a_non_bool_variable(error, monkeypatch):
    monkeypatch.setenv("UB_FLAG", "sometimes")
    assert error("!getboolenv UB_FLAG").endswith(
        "Tag !getboolenv failed: ValueError: "
        "Invalid truth value 'sometimes'"
    )


# .. !getenv ................................................................


def test_getenv_prefers_the_variable_over_the_fallback(value, monkeypatch):
    monkeypatch.setenv("UB_VAR", "set")
    monkeypatch.setenv("5", "five")
    assert value("!getenv [UB_VAR, fb]") == "set"
    assert value("!env UB_VAR") == "set"
    assert value("!env 5") == "five"  # a number names the variable too


def test_getenv_missing_variable(value, error, monkeypatch):
    monkeypatch.delenv("UB_UNSET", raising=False)
    assert value("!getenv [UB_UNSET, null]") is None
    assert value("!getenv [UB_UNSET, 3]") == 3
    assert error("!getenv UB_UNSET").endswith(
        "Tag !getenv failed: KeyError: "
        "\"environment variable 'UB_UNSET' is not set\""
    )


# .. !oneline ...............................................................


def test_oneline_collapses_every_kind_of_whitespace(value):
    assert value('!oneline "\\t a \\n\\n b\\tc  "') == "a b c"
    assert value("!collapse-whitespace abc") == "abc"


# .. !range, !slice ..........................................................


@pytest.mark.parametrize(
    "text, expected",
    [
        ("!range 4", range(4)),
        ("!range [2, 5]", range(2, 5)),
        ("!range [0, 6, 2]", range(0, 6, 2)),
        ("!range {stop: 3}", range(0, 3, 1)),
        ("!range {start: 1, stop: 4}", range(1, 4, 1)),
        ("!range {start: 9, stop: 0, step: -3}", range(9, 0, -3)),
        ("!slice 3", slice(3)),
        ("!slice [1, 5, null]", slice(1, 5, None)),
        ("!slice {stop: 3}", slice(None, 3, None)),
        ("!slice {start: 1, step: 2}", slice(1, None, 2)),
    ],
)
def test_range_and_slice(value, text, expected):
    assert value(text) == expected


# .. !listgen ................................................................


@pytest.mark.parametrize(
    "text, expected",
    [
        ("!listgen [4]", [0, 1, 2, 3]),
        ("!listgen [5, 0, -2]", [1, 3, 5]),  # sorted by default
        ("!listgen {append: [3, 1]}", [1, 3]),  # no range: nothing else
        ("!listgen {}", []),
        ("!listgen {from_range: [3], append: [1]}", [0, 1, 1, 2]),
        ("!listgen {from_range: [3], append: [1], unique: true}", [0, 1, 2]),
        ("!listgen {append: [3, 1, 3, 2], sort: false}", [3, 1, 3, 2]),
        (
            "!listgen {append: [3, 1, 3, 2], sort: false, unique: true}",
            [3, 1, 2],
        ),
        ("!listgen {from_range: [6], remove: [0, 5, 9]}", [1, 2, 3, 4]),
        ("!listgen {from_range: [3], append: [2], remove: [2]}", [0, 1]),
    ],
)
def test_listgen(value, text, expected):
    assert value(text) == expected


def test_listgen_at_the_size_limit(value, error):
    assert len(value("!listgen [1000000]")) == 1000000
    assert error("!listgen [1000001]").endswith(
        f"Tag !listgen failed: _TooLarge: result too large: "
        f"1000001 elements, {LIMIT}"
    )
    # each of append and remove is checked before anything is built
    for key in ("append", "remove"):
        msg = error(f"!listgen {{{key}: !range [1000001]}}")
        assert msg.endswith(f"result too large: 1000001 elements, {LIMIT}")
    assert len(value("!listgen {remove: !range [1000000]}")) == 0
    assert error(
        "!listgen {from_range: [600000], append: !range [400001]}"
    ).endswith(f"result too large: 1000001 elements, {LIMIT}")


# .. !format, !join, !concat ................................................


def test_format_positional_and_keyword(value):
    assert value("!format ['{}-{:>3}', 1, x]") == "1-  x"
    assert value("!format {fstr: '{a}/{b:.2f}', a: 1, b: 0.5}") == "1/0.50"
    assert value("!format [12]") == "12"


@pytest.mark.parametrize(
    "text",
    [
        "!format ['{}{}', !mul [a, 5000000], !mul [b, 5000000]]",
        "!format {fstr: '{a}{b}', a: !mul [a, 5000000], b: !mul [b, 5000000]}",
    ],
)
def test_format_refuses_arguments_over_the_string_limit(error, text):
    msg = error(text)
    assert msg.startswith("Invalid config file ") and "line 1" in msg
    assert (
        "Tag !format failed: _TooLarge: result too large: the arguments" in msg
    )
    assert msg.endswith("more than the limit of 10000000")


def test_format_just_under_the_string_limit(value):
    s = value("!format ['{}{}', !mul [a, 4999990], !mul [b, 4999990]]")
    assert len(s) == 9999980


def test_join_values(value):
    assert value("!join ['-', [a, bc, d]]") == "a-bc-d"
    assert value("!join ['-', []]") == ""


def test_join_at_the_string_limit(value, error):
    two = "!join [!mul [',', 2000000], [!mul [a, 4000000], {}]]"
    assert len(value(two.format("!mul [b, 4000000]"))) == 10000000
    msg = error(two.format("!mul [b, 4000001]"))
    assert msg.endswith(
        "Tag !join failed: _TooLarge: result too large: 10000001 "
        "characters, more than the limit of 10000000"
    )


def test_join_refuses_too_many_elements(error):
    assert error("!join ['', !range [1000001]]").endswith(
        f"Tag !join failed: _TooLarge: result too large: "
        f"1000001 elements, {LIMIT}"
    )


def test_concat_at_the_size_limit(value, error):
    assert value("!concat [[1], [], [2, 3]]") == [1, 2, 3]
    assert value("!concat []") == []
    both = "!concat [!range [600000], !range [{}]]"
    assert len(value(both.format(400000))) == 1000000
    assert error(both.format(400001)).endswith(
        f"Tag !concat failed: _TooLarge: result too large: "
        f"1000001 elements, {LIMIT}"
    )


# .. !arange, !linspace, !logspace ..........................................


@pytest.mark.parametrize(
    "text, expected",
    [
        ("!arange [3]", [0.0, 1.0, 2.0]),
        ("!arange [1, 3]", [1.0, 2.0]),
        ("!arange {stop: 2}", [0.0, 1.0]),
        ("!arange {start: 1, stop: 2, step: 0.5}", [1.0, 1.5]),
        ("!arange [0, 5, -1]", []),
        ("!linspace [0, 1, 5]", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("!linspace {start: 1, stop: 2, num: 2}", [1.0, 2.0]),
        ("!logspace [0, 1, 2]", [1.0, 10.0]),
    ],
)
def test_numpy_sequences(value, text, expected):
    got = value(text)
    assert got == expected and all(type(x) is float for x in got)


def test_linspace_default_has_50_points(value):
    got = value("!linspace [0, 49]")
    assert got == [float(i) for i in range(50)]


@pytest.mark.parametrize(
    "text",
    [
        "!arange [1000001]",
        "!arange [0, 1000001]",
        "!arange [1, 1000002]",
        "!arange {stop: 1000001}",
        "!arange [0, 2000002, 2]",
        "!arange {start: 0, stop: 2000002, step: 2}",
        "!arange [1000001, 0, -1]",
        "!arange [0, 100000.05, 0.1]",
        "!linspace [0, 1, 1000001]",
        "!linspace {start: 0, stop: 1, num: 1000001}",
        "!logspace [0, 1, 1000001]",
    ],
)
def test_numpy_sequences_over_the_limit_are_refused(error, text):
    tag = text.split()[0]
    assert error(text).endswith(
        f"Tag {tag} failed: _TooLarge: result too large: "
        f"1000001 elements, {LIMIT}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "!arange [1000000]",
        "!arange [2, 1000002]",
        "!arange {stop: 1000000}",
        "!arange [0, 2000000, 2]",
        "!arange {start: 0, stop: 2000000, step: 2}",
        "!arange [1000000, 0, -1]",
        "!linspace [0, 1, 1000000]",
    ],
)
def test_numpy_sequences_at_the_limit_load(value, text):
    assert len(value(text)) == 1000000


def test_infinite_arange_is_too_large(error):
    assert error("!arange [0, .inf]").endswith(
        f"Tag !arange failed: _TooLarge: result too large: "
        f"1000001 elements, {LIMIT}"
    )


def test_arange_step_zero_is_numpys_error(error):
    assert error("!arange [0, 3, 0]").startswith("Invalid config file")
    assert "Tag !arange failed" in error("!arange [0, 3, 0]")


def test_linspace_needs_an_integer_num(error):
    msg = error("!linspace [0, 1, 2.5]")
    assert "Tag !linspace failed: TypeError" in msg


def test_numpy_argument_errors_are_numpys(error):
    """Arguments numpy refuses reach numpy: its error, not a size error."""
    assert error("!arange {start: 5}").endswith(
        "Tag !arange failed: TypeError: arange() requires stop to be "
        "specified."
    )
    assert error("!linspace [0, 1, abc]").endswith(
        "Tag !linspace failed: TypeError: 'str' object cannot be "
        "interpreted as an integer"
    )
