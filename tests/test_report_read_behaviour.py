"""Reading benchmark data for reports (``_report_read``, re-exported by
``report``): coordinate modes and labels as other writers store them, the
model filter, killed runs in JSON, and the errors for odd paths and
damaged files."""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

from utopya_backend.reports import report
from utopya_backend.reports.report import ReportError

LABELS = ["full_iteration", "model_iteration", "write_data"]


def _group(path, *, model="M", totals=None, cumulative=None, mode="a"):
    with h5py.File(path, mode) as f:
        grp = f.require_group(model).create_group("benchmark")
        if totals is not None:
            total = grp.create_dataset(
                "total", data=np.array(list(totals.values()), dtype=float)
            )
            total.attrs["coords__label"] = list(totals)
        if cumulative is not None:
            cum = grp.create_dataset(
                "cumulative", data=np.asarray(cumulative, dtype=float)
            )
            cum.attrs["coords__label"] = LABELS
        return grp.name


CUM = [[0.0, 0.0, 0.0], [1.0, 0.5, 0.2], [3.0, 1.5, 0.4]]


def test_shares_of_a_run_shorter_than_a_second(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, totals=dict(simulation=0.5, run=0.25))
    (data,) = report.find_benchmarks(path)
    assert [r["share"] for r in data.rows()] == [1.0, 0.5]


def test_rows_without_a_coordinate_mode_count_iterations_from_zero(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, totals=dict(simulation=1.0), cumulative=CUM)
    (data,) = report.find_benchmarks(path)
    assert data.n_iterations.tolist() == [0, 1, 2]
    assert data.last_n_iterations == 2


def test_per_iteration_with_a_write_every_iteration(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, totals=dict(simulation=1.0), cumulative=CUM)
    with h5py.File(path, "a") as f:
        attrs = f["M/benchmark/cumulative"].attrs
        attrs["coords_mode__n_iterations"] = "start_and_step"
        attrs["coords__n_iterations"] = [5, 1]
    (data,) = report.find_benchmarks(path)
    per = data.per_iteration()
    assert per["n_iterations"].tolist() == [6, 7]
    np.testing.assert_allclose(per["seconds"], [1.0, 2.0])


def test_coordinate_mode_stored_as_bytes(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, totals=dict(simulation=1.0), cumulative=CUM)
    with h5py.File(path, "a") as f:
        attrs = f["M/benchmark/cumulative"].attrs
        attrs["coords_mode__n_iterations"] = np.bytes_(b"start_and_step")
        attrs["coords__n_iterations"] = [10, 10]
    (data,) = report.find_benchmarks(path)
    assert data.n_iterations.tolist() == [10, 20, 30]


def test_labels_that_are_not_utf8_are_read_with_replacements(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, totals=dict(simulation=2.0, run=1.0))
    with h5py.File(path, "a") as f:
        f["M/benchmark/total"].attrs["coords__label"] = np.array(
            [b"simulation", b"r\xffn"]
        )
    (data,) = report.find_benchmarks(path)
    assert list(data.totals) == ["simulation", "r\ufffdn"]


def test_a_killed_run_is_incomplete_in_json(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, cumulative=CUM)
    (b,) = report.to_json(report.load_path(path))["benchmarks"]
    assert b["complete"] is False and b["writes"] == 3


def test_bad_labels_of_a_killed_run_name_the_file(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, cumulative=CUM)
    with h5py.File(path, "a") as f:
        f["M/benchmark/cumulative"].attrs["coords__label"] = [1, 2, 3]
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(path)
    assert str(err.value).startswith(
        f"{path}: /M/benchmark/cumulative has labels that are not names: "
    )


def test_the_model_filter_applies_to_files_and_run_directories(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, model="A", totals=dict(simulation=1.0))
    _group(path, model="B", totals=dict(simulation=2.0))
    assert [d.model for d in report.load_path(path)["items"][path]] == [
        "A",
        "B",
    ]
    (data,) = report.load_path(path, model="B")["items"][path]
    assert data.model == "B" and data.simulation == 2.0
    run = tmp_path / "run"
    (run / "data" / "uni1").mkdir(parents=True)
    uni = str(run / "data" / "uni1" / "data.h5")
    _group(uni, model="A", totals=dict(simulation=1.0))
    _group(uni, model="B", totals=dict(simulation=2.0))
    (data,) = report.load_path(str(run), model="B")["items"]["uni1"]
    assert data.model == "B"


def test_top_level_datasets_are_skipped_not_the_end(tmp_path):
    path = str(tmp_path / "f.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("A_dataset", data=[1, 2])  # sorts before M
    _group(path, totals=dict(simulation=1.0))
    (data,) = report.find_benchmarks(path)
    assert data.model == "M"


def test_universes_without_a_number_come_first(tmp_path):
    for name in ("uni2", "uni_x", "uni10", "uni1"):
        (tmp_path / "data" / name).mkdir(parents=True)
        _group(
            str(tmp_path / "data" / name / "data.h5"),
            totals=dict(simulation=1.0),
        )
    loaded = report.load_path(str(tmp_path))
    assert list(loaded["items"]) == ["uni_x", "uni1", "uni2", "uni10"]


def test_a_fifo_is_never_opened(tmp_path):
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)
    with pytest.raises(ReportError) as err:
        report.load_path(str(fifo))
    assert str(err.value) == (
        f"{fifo}: not a regular file (a FIFO, device or socket is never "
        "opened); expected an HDF5 file or a run directory"
    )


def test_a_path_that_cannot_be_accessed(tmp_path):
    path = tmp_path / "f.h5"
    path.write_bytes(b"")
    below = path / "x.h5"  # a file is no directory
    with pytest.raises(ReportError) as err:
        report.load_path(str(below))
    assert str(err.value).startswith(f"{below}: cannot access it (")
    assert "Not a directory" in str(err.value)


def test_a_damaged_file_is_reported_in_one_line(tmp_path):
    path = str(tmp_path / "f.h5")
    with h5py.File(path, "w") as f:
        grp = f.create_group("M").create_group("benchmark")
        total = grp.create_dataset("total", data=[b"not  a\nnumber"])
        total.attrs["coords__label"] = ["simulation"]
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(path)
    assert str(err.value) == (
        f"{path}: damaged file, cannot read its benchmark data (ValueError: "
        "could not convert string to float: b'not a\\nnumber')"
    )


def test_inconsistent_statistics_name_the_file(tmp_path):
    path = str(tmp_path / "f.h5")
    _group(path, totals=dict(simulation=1.0))
    with h5py.File(path, "a") as f:
        grp = f["M/benchmark"]
        grp.create_dataset("stats", data=np.zeros((1, 2)))
        grp.create_dataset("histogram", data=np.zeros(3))  # not 2-d
    with pytest.raises(ReportError) as err:
        report.find_benchmarks(path)
    assert str(err.value).startswith(
        f"{path}: /M/benchmark/histogram has shape (3,), expected "
    )
