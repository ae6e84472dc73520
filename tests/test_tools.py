"""Config loading (YAML tags included), package import, logging, signals."""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import time

import pytest

from utopya_backend import (
    LOG_LEVELS,
    backend_logger,
    get_level,
    import_package_from_dir,
    load_cfg_file,
)
from utopya_backend.signal import (
    SIG_STOPCOND,
    SIGNAL_INFO,
    attach_signal_handlers,
)
from utopya_backend.tools import ConfigError

# .. load_cfg_file ............................................................


@pytest.mark.parametrize("ext", [".yml", ".yaml", ".YML", ".Yaml"])
def test_loader_from_extension(tmp_path, ext):
    p = tmp_path / f"cfg{ext}"
    p.write_text("a: 1\n")
    assert load_cfg_file(str(p)) == {"a": 1}


def test_explicit_loader_and_home_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "cfg.txt").write_text("a: [1, 2]\n")
    assert load_cfg_file("~/cfg.txt", loader="YAML") == {"a": [1, 2]}


def test_unsupported_loader_names_file_and_choices(tmp_path):
    p = tmp_path / "cfg.json"
    p.write_text("{}")
    with pytest.raises(ValueError, match="Unsupported loader 'json'") as err:
        load_cfg_file(str(p))
    assert "cfg.json" in str(err.value) and "yaml, yml" in str(err.value)
    with pytest.raises(ValueError, match="Unsupported loader 'toml'"):
        load_cfg_file(str(p), loader="toml")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_cfg_file(str(tmp_path / "nope.yml"))


def test_malformed_yaml_shows_file_and_line(load):
    with pytest.raises(ConfigError) as err:
        load("a: 1\nb:\n  - [1, 2\n")
    first = str(err.value).splitlines()[0]
    assert "cfg.yml" in first and "line" in first


def test_no_arbitrary_python_objects(load):
    with pytest.raises(ConfigError, match="python/object"):
        load("a: !!python/object/apply:os.system ['true']")


# .. YAML tags ................................................................


def test_frontend_tags_range_and_slice(load):
    d = load("""
        r: !range [0, 6, 2]
        r1: !range 3
        s: !slice [1, 5, null]
        s2: !slice [~, -1]
        """)
    assert d == dict(
        r=range(0, 6, 2), r1=range(3), s=slice(1, 5, None), s2=slice(None, -1)
    )


def test_expression_tags(load):
    d = load("""
        a: !expr 1 + 2 * 3
        b: !expression (2 + 3) ** 2 / 5
        c: !compute 1e-3 * 2
        d: !expr inf
        e: !expr -inf
        f: !expr nan
        g: !expr 2**10
        """)
    assert d["a"] == 7 and d["b"] == 5.0 and d["c"] == pytest.approx(2e-3)
    assert d["d"] == math.inf and d["e"] == -math.inf and math.isnan(d["f"])
    assert d["g"] == 1024


@pytest.mark.parametrize(
    "expr", ["9**9**9**9", "10**100000", "__import__('os')", "a + 1", "1 +"]
)
def test_unbounded_or_invalid_expressions_are_refused(load, expr):
    t0 = time.monotonic()
    with pytest.raises(ConfigError) as err:
        load(f"x: !expr {expr}\n")
    assert time.monotonic() - t0 < 2
    assert "!expr" in str(err.value) and "line 1" in str(err.value)


def test_listgen(load):
    d = load("""
        a: !listgen [0, 10, 3]
        b: !listgen
          from_range: [0, 5]
          append: [20, 1]
          remove: [2]
          unique: true
        """)
    assert d["a"] == [0, 3, 6, 9]
    assert d["b"] == [0, 1, 3, 4, 20]


def test_reduction_and_number_tags(load):
    d = load("""
        any: !any [false, true]
        all: !all [true, false]
        min: !min [3, 1, 2]
        max: !max [3, 1, 2]
        sum: !sum [1, 2, 3]
        prod: !prod [2, 3, 4]
        sorted: !sorted [3, 1, 2]
        isorted: !isorted [3, 1, 2]
        abs: !abs -3
        int: !int 3.7
        round: !round 2.6
        """)
    assert d == {
        "any": True, "all": False, "min": 1, "max": 3, "sum": 6,
        "prod": 24, "sorted": [1, 2, 3], "isorted": [3, 2, 1],
        "abs": 3.0, "int": 3, "round": 3,
    }  # fmt: skip


def test_operator_tags(load):
    d = load("""
        add: !add [1, 2]
        sub: !sub [5, 2]
        mul: !mul [2, 4]
        truediv: !truediv [1, 4]
        floordiv: !floordiv [7, 2]
        mod: !mod [7, 3]
        pow: !pow [2, 5]
        not: !not [false]
        and: !and [true, false]
        or: !or [true, false]
        xor: !xor [true, true]
        lt: !lt [1, 2]
        le: !le [2, 2]
        eq: !eq [1, 1]
        ne: !ne [1, 1]
        neq: !neq [1, 2]
        ge: !ge [1, 2]
        gt: !gt [3, 2]
        negate: !negate [4]
        invert: !invert [0]
        contains: !contains [[1, 2], 2]
        concat: !concat [[1], [2, 3]]
        """)
    assert d == {
        "add": 3, "sub": 3, "mul": 8, "truediv": 0.25, "floordiv": 3,
        "mod": 1, "pow": 32, "not": True, "and": False, "or": True,
        "xor": False, "lt": True, "le": True, "eq": True, "ne": False,
        "neq": True, "ge": False, "gt": True, "negate": -4, "invert": -1,
        "contains": True, "concat": [1, 2, 3],
    }  # fmt: skip


def test_numpy_path_env_and_string_tags(load, monkeypatch):
    monkeypatch.setenv("UB_TEST_VAR", "hello")
    monkeypatch.setenv("UB_TEST_FLAG", "Yes")
    monkeypatch.delenv("UB_TEST_UNSET", raising=False)
    d = load("""
        lin: !linspace [0, 1, 3]
        ar: !arange [0, 1, 0.5]
        log: !logspace [0, 2, 3]
        path: !joinpath [a, b, c.txt]
        home: !expanduser ~/x
        env: !getenv UB_TEST_VAR
        env2: !env [UB_TEST_UNSET, fallback]
        flag: !getboolenv UB_TEST_FLAG
        flag2: !boolenv [UB_TEST_UNSET, false]
        ifelse: !if-else [true, a, b]
        unix: !if-unix-else [u, w]
        win: !if-windows-else [w, u]
        fmt: !format {fstr: "{a}-{b}", a: 1, b: two}
        join: !join [", ", [a, b]]
        split: !split [a b c]
        len: !len [[1, 2, 3]]
        copy: !deepcopy {a: [1]}
        s2b: !str-to-bool "off"
        one: !oneline "a   b\\n  c "
        cw: !collapse-whitespace " x  y "
        """)
    assert d["lin"] == [0.0, 0.5, 1.0] and d["ar"] == [0.0, 0.5]
    assert d["log"] == [1.0, 10.0, 100.0]
    assert all(type(v) is float for v in d["lin"] + d["ar"] + d["log"])
    assert d["path"] == os.path.join("a", "b", "c.txt")
    assert d["home"] == os.path.expanduser("~/x")
    assert (d["env"], d["env2"], d["flag"], d["flag2"]) == (
        "hello",
        "fallback",
        True,
        False,
    )
    assert d["ifelse"] == "a"
    unix = sys.platform != "win32"
    assert d["unix"] == ("u" if unix else "w")
    assert d["win"] == ("u" if unix else "w")
    assert d["fmt"] == "1-two" and d["join"] == "a, b"
    assert d["split"] == ["a", "b", "c"] and d["len"] == 3
    assert d["copy"] == {"a": [1]} and d["s2b"] is False
    assert d["one"] == "a b c" and d["cw"] == "x y"


def test_array_tag(load):
    import numpy as np

    d = load("a: !array [[1, 2], [3, 4]]\n")
    np.testing.assert_array_equal(d["a"], [[1, 2], [3, 4]])


def test_parameter_tags_load_as_values(load):
    d = load("""
        p: !is-positive 5
        q: !is-probability 0.3
        i: !is-int 4
        u: !is-unsigned 0
        s: !is-string foo
        b: !is-bool true
        n: !is-negative-or-zero 0
        full: !param {default: 0.5, limits: [0, 1]}
        """)
    assert d == dict(p=5, q=0.3, i=4, u=0, s="foo", b=True, n=0, full=0.5)


@pytest.mark.parametrize(
    "text",
    ["!is-positive -1", "!is-probability 1.5", "!is-int 2.5", "!param 3"],
)
def test_failed_parameter_check_names_tag_and_value(load, text):
    with pytest.raises(ConfigError) as err:
        load(f"a: 1\nx: {text}\n")
    msg = str(err.value)
    assert text.split()[0] in msg and "line 2" in msg and "cfg.yml" in msg


def test_unknown_tag_or_bad_arguments(load):
    with pytest.raises(ConfigError, match="!nosuchtag") as err:
        load("a: 1\nb: !nosuchtag 3\n")
    assert "line 2" in str(err.value)
    with pytest.raises(ConfigError, match="!range.*TypeError"):
        load("r: !range [a, b]\n")


# .. import_package_from_dir ..................................................


def _make_pkg(root, name="impl_pkg", body="VALUE = 42\n"):
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(body)
    (pkg / "sub.py").write_text("SUB = 'yes'\n")
    return pkg


def test_import_package_from_dir(tmp_path):
    pkg = _make_pkg(tmp_path, "ub_impl_a")
    mod = import_package_from_dir(str(pkg) + "/")  # trailing slash is fine
    assert mod.VALUE == 42
    import importlib

    assert importlib.import_module("ub_impl_a.sub").SUB == "yes"
    assert str(tmp_path) in sys.path  # stays for later submodule imports


def test_import_dotted_mod_str(tmp_path):
    outer = tmp_path / "ub_outer"
    outer.mkdir()
    (outer / "__init__.py").write_text("")
    pkg = _make_pkg(outer, "inner")
    mod = import_package_from_dir(str(pkg), mod_str="ub_outer.inner")
    assert mod.__name__ == "ub_outer.inner" and mod.VALUE == 42


def test_import_errors(tmp_path):
    with pytest.raises(ValueError, match="Need an absolute path"):
        import_package_from_dir("relative/dir")
    with pytest.raises(FileNotFoundError, match="existing directory"):
        import_package_from_dir(str(tmp_path / "missing"))
    f = tmp_path / "file.py"
    f.write_text("")
    with pytest.raises(FileNotFoundError, match="existing directory"):
        import_package_from_dir(str(f))
    (tmp_path / "nopkg").mkdir()
    with pytest.raises(ImportError, match="no __init__.py"):
        import_package_from_dir(str(tmp_path / "nopkg"))
    bad = _make_pkg(tmp_path, "ub_broken", body="raise ZeroDivisionError(1)")
    with pytest.raises(ImportError, match="Failed importing module") as err:
        import_package_from_dir(str(bad))
    assert isinstance(err.value.__cause__, ZeroDivisionError)


# .. logging and signals ......................................................


def test_log_levels_and_trace_name():
    assert LOG_LEVELS["trace"] == 5 and LOG_LEVELS["warn"] == logging.WARNING
    assert get_level("DeBuG") == logging.DEBUG
    assert logging.getLevelName(5) == "TRACE"
    assert backend_logger is logging.getLogger()
    with pytest.raises(ValueError, match="'loud'.*trace, debug"):
        get_level("loud")


def test_signal_handler_records_only():
    attach_signal_handlers()
    assert signal.getsignal(SIG_STOPCOND) is not signal.SIG_DFL
    os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt
    assert SIGNAL_INFO["got_signal"] and SIGNAL_INFO["signum"] == signal.SIGINT
    assert SIGNAL_INFO["at_time"] <= time.time()


def test_signal_handlers_selectively(monkeypatch):
    for s in (signal.SIGINT, signal.SIGTERM, SIG_STOPCOND):
        signal.signal(s, signal.SIG_DFL)
    attach_signal_handlers(for_interrupts=False)
    assert signal.getsignal(signal.SIGINT) == signal.SIG_DFL
    assert signal.getsignal(SIG_STOPCOND) != signal.SIG_DFL
