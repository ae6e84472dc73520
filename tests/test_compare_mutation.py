"""``report --compare``: the table, its marks and the command, in-process.

``test_compare.py`` compares real runs of a deliberately slowed model; it
races real clocks, so the mutation run leaves it out. These tests feed
hand-made comparison results to :func:`format_compare` and hand-made
loaded data to the command (through :func:`main`).
"""

from __future__ import annotations

import json

import pytest
from test_compare_rules import _data

from utopya_backend.cli.main import main
from utopya_backend.reports import compare, report


def _row(timer: str, **kw) -> dict:
    row = dict(
        timer=timer,
        mean_before=1e-5,
        mean_after=2.5e-5,
        ratio_mean=2.5,
        ratio_median=2.0,
        p99_before=0.0123,
        p99_after=1.5,
        ratio_p99=121.95,
        change=None,
        p_value=None,
        via=[],
        kind="tested",
    )
    row.update(kw)
    return row


def _res(*rows: dict, **kw) -> dict:
    res = dict(
        before="b.h5",
        after="a.h5",
        pairs=[dict(before="M", after="M")],
        factor=1.1,
        min_share=0.05,
        alpha=0.001,
        timers=list(rows),
        unmatched=[],
        slowdown=[],
        skipped=[],
    )
    res.update(kw)
    return res


def test_header_and_one_row_word_for_word():
    text = compare.format_compare(_res(_row("step")))
    assert text.splitlines() == [
        "before: b.h5",
        "after:  a.h5",
        "1 matched pair(s); marked: median per invocation changed beyond "
        "1.1x, significant (rank test of the histograms, p < 0.001) and by "
        ">= 5% of the typical loop time; one-shot timers are never marked",
        "",
        "            timer  mean before      after    ratio   median  "
        "p99 before      after    ratio  change",
        "             step       10.0µs     25.0µs    2.50x    2.00x  "
        "   12.30ms      1.50s  121.95x",
        "",
        "  no timer significantly slower beyond 1.1x",
    ]


def test_options_shown_in_the_heading():
    res = _res(
        _row("step"),
        pairs=[dict(before="M", after="M")] * 3,
        factor=1.25,
        min_share=0.125,
        alpha=0.01,
    )
    heading = compare.format_compare(res).splitlines()[2]
    assert heading.startswith("3 matched pair(s); ")
    assert "changed beyond 1.25x, " in heading
    assert "p < 0.01) and by >= 12.5% of the typical" in heading
    del res["alpha"]
    heading = compare.format_compare(res).splitlines()[2]
    assert "p < 0.001) " in heading


def test_unknown_figures_are_dashes():
    row = _row(
        "init",
        mean_before=None,
        mean_after=None,
        ratio_mean=float("inf"),
        ratio_median=float("nan"),
        p99_before=None,
        p99_after=None,
        ratio_p99=float("nan"),
        kind="single sample",
    )
    del row["ratio_median"]
    line = compare.format_compare(_res(row)).splitlines()[5]
    assert line.split() == ["init"] + ["-"] * 7 + [
        "(single",
        "sample:",
        "not",
        "tested)",
    ]


@pytest.mark.parametrize(
    "fields, mark",
    [
        (dict(change="slower", p_value=0.00042), "▲ slower (p=0.0004)"),
        (dict(change="faster", p_value=1e-20), "▼ faster (p<1e-16)"),
        (dict(change="slower", p_value=1e-16), "▲ slower (p=1e-16)"),
        (dict(change="faster", p_value=0.0), "▼ faster (p<1e-16)"),
        (dict(via=["user", "other"]), "(via user, other)"),
        (dict(kind="not run"), "(no invocations)"),
        (
            dict(kind="not comparable", note="no totals after"),
            "not comparable: no totals after",
        ),
        (dict(kind="few samples"), "(few samples: not tested)"),
        (dict(kind="tested"), ""),
    ],
)
def test_change_column(fields, mark):
    text = compare.format_compare(_res(_row("t", **fields)))
    line = text.splitlines()[5]
    if mark:
        assert line.endswith("121.95x  " + mark)
    else:
        assert line.endswith("121.95x")


def test_row_without_a_kind_is_tested():
    row = _row("t")
    del row["kind"]
    assert (
        compare.format_compare(_res(row)).splitlines()[5].endswith("121.95x")
    )


def test_universes_say_how_consistent():
    u = dict(n=3, slower=2, faster=0, within=1)
    rows = [
        _row("a", change="slower", p_value=0.5, universes=u, consistent=True),
        _row("b", universes=dict(u, n=2, slower=1), consistent=False),
        _row("c", universes=dict(u, n=1), consistent=True),
    ]
    lines = compare.format_compare(_res(*rows)).splitlines()
    assert lines[5].endswith(
        "▲ slower (p=0.5) [consistent: 2 slower, 0 faster, 1 within of 3]"
    )
    assert lines[6].endswith(
        "121.95x   [mixed: 1 slower, 0 faster, 1 within of 2]"
    )
    assert lines[7].endswith("121.95x")


def test_footer_lists_unmatched_slower_and_not_comparable():
    res = _res(
        _row("a"),
        _row("b", kind="not comparable", note="killed"),
        unmatched=["uni3 (after)", "uni4 (after)"],
        slowdown=["a", "c"],
    )
    lines = compare.format_compare(res).splitlines()
    assert lines[7:] == [
        "",
        "  unmatched: uni3 (after), uni4 (after)",
        "",
        "  SLOWER beyond 1.1x: a, c",
        "  some timers are not comparable: no per-invocation figures "
        "stored on one side (see the change column)",
    ]


# .. the command ..............................................................


@pytest.fixture
def loaded(monkeypatch):
    """``report.load_path`` answers from a dict: path -> loaded data."""
    table: dict = {}
    calls = []

    def load_path(path, *, model=None):
        calls.append((path, model))
        if path not in table:
            raise report.ReportError(f"{path}: no such file")
        return table[path]

    monkeypatch.setattr(report, "load_path", load_path)
    load_path.calls = calls  # type: ignore[attr-defined]
    return table


@pytest.fixture
def slower(loaded):
    """Files ``b`` and ``a``: the step is 30 % slower in ``a``."""
    b, a = _data(), _data(step_ns=13_000, seed=5)
    loaded["b"] = dict(kind="file", items={"b": [b]}, skipped=[])
    loaded["a"] = dict(kind="file", items={"a": [a]}, skipped=[])
    return loaded


def test_compare_prints_the_table_exit_0(slower, capsys):
    assert main(["report", "--compare", "b", "a"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    res = compare.compare_paths("b", "a")
    assert out == compare.format_compare(res) + "\n"
    assert "SLOWER beyond 1.1x: model_iteration" in out


def test_fail_on_slowdown(slower, capsys):
    argv = ["report", "--compare", "b", "a", "--fail-on-slowdown"]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        "utopya-backend report: slower beyond the factor: model_iteration\n"
    )
    # Faster is no failure.
    assert main(["report", "--compare", "a", "b", "--fail-on-slowdown"]) == 0
    assert capsys.readouterr().err == ""


def test_options_reach_the_comparison(slower, capsys):
    argv = ["report", "--compare", "b", "a", "--factor", "1.5"]
    argv += ["--min-share", "0.2", "--fail-on-slowdown"]
    # 30 % slower is within a factor of 1.5.
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "changed beyond 1.5x" in out and "by >= 20% of" in out
    assert "no timer significantly slower beyond 1.5x" in out


def test_defaults_of_the_options(slower, capsys):
    main(["report", "--compare", "b", "a", "--json"])
    res = json.loads(capsys.readouterr().out)
    assert (res["factor"], res["min_share"]) == (1.1, 0.05)


def test_compare_json(slower, capsys):
    assert main(["report", "--compare", "b", "a", "--json"]) == 0
    out = capsys.readouterr().out
    res = json.loads(out)
    assert res["slowdown"] == ["model_iteration"]
    assert res == json.loads(
        json.dumps(report._plain(compare.compare_paths("b", "a")))
    )
    assert out.startswith('{\n  "before": "b",\n')


@pytest.mark.parametrize("paths", [["b"], ["b", "a", "a"]])
def test_compare_needs_two_paths(slower, capsys, paths):
    assert main(["report", "--compare", *paths]) == 2
    assert capsys.readouterr().err == (
        "utopya-backend report: error: --compare takes two paths, BEFORE "
        f"and AFTER; got {len(paths)}\n"
    )


def test_compare_error_is_one_line(slower, capsys):
    assert main(["report", "--compare", "b", "gone"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "utopya-backend report: error: gone: no such file\n"


def test_compare_model_option(slower, capsys):
    argv = ["report", "--compare", "b", "a", "--model", "M"]
    assert main(argv) == 0
    assert report.load_path.calls == [("b", "M"), ("a", "M")]


def test_skipped_universes_are_reported(slower, capsys):
    slower["a"]["skipped"] = [dict(universe="uni9", error="not HDF5")]
    assert main(["report", "--compare", "b", "a"]) == 0
    assert capsys.readouterr().err == (
        "utopya-backend report: error: skipped uni9: not HDF5\n"
    )


def test_fail_on_slowdown_names_every_slower_timer(monkeypatch, capsys):
    res = _res(_row("a"), _row("b"), slowdown=["a", "b"])
    monkeypatch.setattr(compare, "compare_paths", lambda *a, **kw: res)
    argv = ["report", "--compare", "x", "y", "--fail-on-slowdown"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "  SLOWER beyond 1.1x: a, b\n" in out
    assert err == "utopya-backend report: slower beyond the factor: a, b\n"


def test_report_help_has_the_comparison_options(capsys, monkeypatch):
    """The options' reference (the guide sends users to ``--help``): what
    each does and its default, the defaults the tests above see."""
    monkeypatch.setenv("COLUMNS", "1000")
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    section = text.split(" comparison (report --compare BEFORE AFTER): ")[1]
    assert section == (
        "--compare compare two files or run directories: BEFORE AFTER "
        "(default: report on one PATH) "
        "--factor FACTOR mark changes beyond this ratio (default: 1.1) "
        "--min-share MIN_SHARE ignore changes of less than this share of "
        "the typical loop time (full_iteration's median x invocations), "
        "from 0 to 1 (default: 0.05) "
        "--fail-on-slowdown exit with status 1 if a timer is marked slower "
        "(default: exit 0 whatever changed)"
    )
