"""``report --compare``: a deliberately slowed timer is flagged, no other."""

from __future__ import annotations

import json

import pytest
from _slowed import make_run_dir, run_slowed

from utopya_backend.cli.main import main
from utopya_backend.reports import compare


@pytest.fixture(scope="module")
def two_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    run_slowed(str(d / "warmup"))  # first-run effects stay out
    before = run_slowed(str(d / "before"), steps=300)
    after = run_slowed(str(d / "after"), steps=300, sleep=0.002)
    return before, after


def test_slowed_timer_is_flagged_and_no_other(two_files, capsys):
    res = compare.compare_paths(*two_files)
    marked = {r["timer"]: r["change"] for r in res["timers"] if r["change"]}
    assert marked == {"sleepy": "slower"}, compare.format_compare(res)
    assert res["slowdown"] == ["sleepy"]
    rows = {r["timer"]: r for r in res["timers"]}
    assert rows["sleepy"]["ratio_mean"] > 100
    assert rows["sleepy"]["p99_after"] >= 0.002
    # The timers it is nested in changed because of it.
    for name in ("model_iteration", "full_iteration", "run", "simulation"):
        assert rows[name]["via"] == ["sleepy"], name


def test_exit_code_option(two_files, capsys):
    before, after = two_files
    assert main(["report", "--compare", before, after]) == 0
    out = capsys.readouterr().out
    assert "▲ slower" in out and "SLOWER beyond 1.1x: sleepy" in out
    argv = ["report", "--compare", before, after, "--fail-on-slowdown"]
    assert main(argv) == 1
    assert "slower beyond the factor: sleepy" in capsys.readouterr().err
    # Faster is no failure; the same file neither.
    assert (
        main(["report", "--compare", after, before, "--fail-on-slowdown"]) == 0
    )
    assert (
        main(["report", "--compare", before, before, "--fail-on-slowdown"])
        == 0
    )
    # A factor too large for the change.
    assert main(argv + ["--factor", "1e6"]) == 0


def test_json_carries_the_figures(two_files, capsys):
    assert main(["report", "--compare", *two_files, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["factor"] == 1.1 and data["slowdown"] == ["sleepy"]
    row = {r["timer"]: r for r in data["timers"]}["sleepy"]
    for key in (
        "mean_before",
        "mean_after",
        "ratio_mean",
        "p99_before",
        "p99_after",
        "ratio_p99",
        "change",
    ):
        assert key in row


def test_compare_needs_two_paths(two_files, capsys):
    assert main(["report", "--compare", two_files[0]]) == 2
    assert "two paths" in capsys.readouterr().err
    assert main(["report", *two_files]) == 2


def test_run_dirs_matched_by_parameters(tmp_path, capsys):
    params = [dict(p_growth=g, seed=s) for g in (0.01, 0.02) for s in (1, 2)]
    before = make_run_dir(str(tmp_path / "before"), params, steps=150)
    # The other side numbers its universes differently.
    after = make_run_dir(
        str(tmp_path / "after"), params[::-1], steps=150, sleep=0.002
    )
    res = compare.compare_paths(before, after)
    assert len(res["pairs"]) == 4 and not res["unmatched"]
    pairs = {(p["before"], p["after"]) for p in res["pairs"]}
    assert pairs == {
        ("uni1", "uni4"),
        ("uni2", "uni3"),
        ("uni3", "uni2"),
        ("uni4", "uni1"),
    }
    row = {r["timer"]: r for r in res["timers"]}["sleepy"]
    assert row["change"] == "slower" and row["consistent"]
    assert row["universes"] == dict(
        n=4,
        slower=4,
        faster=0,
        within=0,
        min_ratio=row["universes"]["min_ratio"],
        max_ratio=row["universes"]["max_ratio"],
    )
    text = compare.format_compare(res)
    assert "consistent: 4 slower, 0 faster, 0 within of 4" in text


def test_unmatched_universes_are_listed(tmp_path):
    before = make_run_dir(
        str(tmp_path / "b"),
        [dict(p_growth=0.01), dict(p_growth=0.02)],
        steps=30,
    )
    after = make_run_dir(
        str(tmp_path / "a"),
        [dict(p_growth=0.01), dict(p_growth=0.03)],
        steps=30,
    )
    res = compare.compare_paths(before, after)
    assert len(res["pairs"]) == 1
    assert sorted(res["unmatched"]) == ["after uni2", "before uni2"]
