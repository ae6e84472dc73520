"""How the environment chooses the core (``_compat``): the truth words a
user may set, the error for anything else, and the one-line error with
exit code 2 that the command line gets instead of a traceback.

The flags are read once at import; these tests call the reader on a
patched environment, as the import does.
"""

from __future__ import annotations

import sys

import pytest

from utopya_backend.core import _compat

FLAG = "UTOPYA_BACKEND_TEST_FLAG"


@pytest.fixture
def not_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that is not the package's command line (a user script)."""
    monkeypatch.setattr(sys, "orig_argv", ["python", "script.py"])
    monkeypatch.setattr(sys, "argv", ["script.py"])


@pytest.mark.parametrize(
    "value", ["1", "true", "TRUE", "Yes", "on", " on ", "True\n"]
)
def test_true_words_in_any_case_and_padding_select_the_flag(
    monkeypatch, not_cli, value
):
    monkeypatch.setenv(FLAG, value)
    assert _compat._env_flag(FLAG) is True


@pytest.mark.parametrize("value", ["", "0", "false", "NO", "Off", "  "])
def test_false_words_and_empty_leave_the_flag_off(monkeypatch, not_cli, value):
    monkeypatch.setenv(FLAG, value)
    assert _compat._env_flag(FLAG) is False


def test_an_unset_variable_is_false(monkeypatch, not_cli):
    monkeypatch.delenv(FLAG, raising=False)
    assert _compat._env_flag(FLAG) is False


def test_another_word_is_refused_naming_the_value_and_the_choices(
    monkeypatch, not_cli
):
    monkeypatch.setenv(FLAG, " Maybe")
    with pytest.raises(ValueError) as err:
        _compat._env_flag(FLAG)
    assert str(err.value) == (
        f"Environment variable {FLAG}=' Maybe' is neither true "
        "(1, true, yes, on) nor false ('', '0', 'false', 'no', 'off')"
    )


@pytest.mark.parametrize(
    "orig_argv, argv",
    [
        (["python", "-m", "utopya_backend", "run"], ["-m"]),
        (["python", "-m", "utopya_backend.cli.main"], ["-m"]),
        (["/usr/bin/python3", "/venv/bin/utopya-backend", "report"], []),
    ],
)
def test_the_command_line_gets_one_error_line_and_exit_code_2(
    monkeypatch, capsys, orig_argv, argv
):
    monkeypatch.setattr(sys, "orig_argv", orig_argv)
    monkeypatch.setattr(sys, "argv", argv or orig_argv[1:])
    monkeypatch.setenv(FLAG, "2")
    with pytest.raises(SystemExit) as exc:
        _compat._env_flag(FLAG)
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        f"utopya-backend: error: Environment variable {FLAG}='2' is neither "
        "true (1, true, yes, on) nor false "
        "('', '0', 'false', 'no', 'off')\n"
    )


@pytest.mark.parametrize(
    "orig_argv, argv",
    [
        (["python", "-m", "pytest"], ["pytest"]),
        (["python", "-m"], ["x"]),  # nothing after -m
        (["python", "-c", "import utopya_backend"], ["-c"]),
        (["python", "run.py", "utopya_backend"], ["run.py"]),
        (["python"], [""]),  # interactive: argv[0] is empty
    ],
)
def test_other_programs_get_the_exception(
    monkeypatch, capsys, orig_argv, argv
):
    """A user's script or a test runner can catch the ValueError; nothing
    is printed for it."""
    monkeypatch.setattr(sys, "orig_argv", orig_argv)
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setenv(FLAG, "sometimes")
    with pytest.raises(ValueError, match="is neither true"):
        _compat._env_flag(FLAG)
    assert capsys.readouterr().err == ""


def test_without_orig_argv_the_script_name_decides(monkeypatch):
    """Python before 3.10 has no ``sys.orig_argv``."""
    monkeypatch.delattr(sys, "orig_argv", raising=False)
    monkeypatch.setattr(sys, "argv", ["/venv/bin/utopya-backend"])
    assert _compat._is_command_line()
    monkeypatch.setattr(sys, "argv", ["/venv/bin/utopya-backend-x"])
    assert not _compat._is_command_line()
    monkeypatch.setattr(sys, "argv", [None])  # embedded interpreters
    assert not _compat._is_command_line()
