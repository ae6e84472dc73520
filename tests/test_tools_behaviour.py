"""load_cfg_file's and import_package_from_dir's exact errors; signals.

SPEC section 5: errors name the file (and line), the offending byte or
module; the package's parent directory goes first on ``sys.path``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import types

import pytest

from utopya_backend import import_package_from_dir, load_cfg_file
from utopya_backend.signal import (
    SIG_STOPCOND,
    SIGNAL_INFO,
    attach_signal_handlers,
)
from utopya_backend.tools import ConfigError

# .. load_cfg_file ............................................................


def test_missing_file_names_the_expanded_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as err:
        load_cfg_file("~/nothing.yml")
    assert str(err.value) == f"No config file at {tmp_path}/nothing.yml"


@pytest.mark.parametrize(
    "raw, line, offset, byte, reason",
    [
        (b"a: 1\nb: \xff\xfe x\n", 2, 8, "b'\\xff'", "invalid start byte"),
        (b"\x80", 1, 0, "b'\\x80'", "invalid start byte"),
        (b"a: 1\n\nc: x\xc3", 3, 10, "b'\\xc3'", "unexpected end of data"),
    ],
)
def test_non_utf8_file_names_line_byte_and_offset(
    tmp_path, raw, line, offset, byte, reason
):
    p = tmp_path / "latin.yml"
    p.write_bytes(raw)
    with pytest.raises(ConfigError) as err:
        load_cfg_file(str(p))
    assert str(err.value) == (
        f"Invalid config file {p}, line {line}: not UTF-8 text (byte {byte} "
        f"at offset {offset}: {reason}); save the file as UTF-8"
    )


def test_error_without_a_position_has_no_line(tmp_path):
    p = tmp_path / "ctrl.yml"
    p.write_text("a: \x01\n")
    with pytest.raises(ConfigError) as err:
        load_cfg_file(str(p))
    assert str(err.value).splitlines()[0] == (
        f"Invalid config file {p}: unacceptable character #x0001: "
        "control characters are not allowed"
    )


def test_syntax_error_names_the_line_of_the_problem(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(ConfigError) as err:
        load_cfg_file(str(p))
    first = str(err.value).splitlines()[0]
    assert first.startswith(f"Invalid config file {p}, line 3: ")


# .. import_package_from_dir ..................................................


@pytest.fixture
def clean_import(monkeypatch):
    """Restore sys.path and drop the packages a test imports."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("ub_"):
            del sys.modules[name]


def _pkg(parent, name, body="VALUE = 1\n"):
    d = parent / name
    d.mkdir(parents=True)
    (d / "__init__.py").write_text(body)
    return d


def test_parent_of_the_top_package_goes_first_on_sys_path(
    tmp_path, clean_import, caplog
):
    root = tmp_path / "root"
    _pkg(root, "ub_top_a", body="")
    inner = _pkg(root / "ub_top_a", "mid")
    leaf = _pkg(inner, "leaf", body="VALUE = 3\n")
    with caplog.at_level(logging.DEBUG):
        mod = import_package_from_dir(str(leaf), mod_str="ub_top_a.mid.leaf")
    assert isinstance(mod, types.ModuleType) and mod.VALUE == 3
    assert sys.path[0] == str(root)
    assert [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("Importing")
    ] == [f"Importing module 'ub_top_a.mid.leaf' from {root} ..."]


def test_parent_is_not_added_twice(tmp_path, clean_import):
    pkg = _pkg(tmp_path, "ub_twice_a")
    sys.path.insert(0, "/elsewhere")
    sys.path.insert(0, str(tmp_path))
    import_package_from_dir(str(pkg))
    assert sys.path[:2] == [str(tmp_path), "/elsewhere"]
    assert sys.path.count(str(tmp_path)) == 1


def test_failing_package_error_names_module_cause_and_fix(
    tmp_path, clean_import
):
    bad = _pkg(tmp_path, "ub_broken_b", body="1 / 0\n")
    with pytest.raises(ImportError) as err:
        import_package_from_dir(str(bad))
    assert str(err.value) == (
        f"Failed importing module 'ub_broken_b' from {bad}: "
        f"ZeroDivisionError: division by zero\nCheck that {bad}/__init__.py "
        "imports without errors and that `mod_str` is right."
    )


# .. signals ..................................................................


@pytest.fixture
def default_handlers():
    """All three handled signals at their defaults; restored afterwards."""
    sigs = (signal.SIGINT, signal.SIGTERM, SIG_STOPCOND)
    saved = {s: signal.getsignal(s) for s in sigs}
    saved_info = dict(SIGNAL_INFO)
    for s in sigs:
        signal.signal(s, signal.SIG_DFL)
    yield
    for s, h in saved.items():
        signal.signal(s, h)
    SIGNAL_INFO.update(saved_info)


def test_default_attach_handles_interrupts_and_stop_conditions(
    default_handlers,
):
    attach_signal_handlers()
    for s in (signal.SIGINT, signal.SIGTERM, SIG_STOPCOND):
        assert signal.getsignal(s) not in (signal.SIG_DFL, signal.SIG_IGN)


def test_attach_only_interrupts(default_handlers):
    attach_signal_handlers(for_stop_conds=False)
    assert signal.getsignal(SIG_STOPCOND) == signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) != signal.SIG_DFL


def test_handler_records_signal_frame_and_time(default_handlers):
    attach_signal_handlers()
    SIGNAL_INFO.update(got_signal=False, signum=None, frame=None)
    os.kill(os.getpid(), signal.SIGTERM)
    assert SIGNAL_INFO["got_signal"] is True
    assert SIGNAL_INFO["signum"] == signal.SIGTERM
    assert isinstance(SIGNAL_INFO["frame"], types.FrameType)
    assert sorted(SIGNAL_INFO) == ["at_time", "frame", "got_signal", "signum"]
