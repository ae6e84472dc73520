"""Which package wrote a file, as a user finds out: the attributes, the
model log's first line, and the ``produced by`` line of ``report``, with the
node from the file or from the frontend's cluster-mode reports (issue 20).

Unlike ``test_provenance.py`` these need no README and no subprocess, so
the mutation run uses them.
"""

from __future__ import annotations

import socket
import sys

import h5py
import numpy as np
import pytest

import utopya_backend
from utopya_backend.core import _impl
from utopya_backend.io._provenance import (
    UNKNOWN,
    describe,
    frontend_nodes,
    info,
    log_line,
    read,
    stamp,
)

PY = "{}.{}.{}".format(*sys.version_info[:3])


def test_info_names_package_version_core_python_and_host():
    assert info({}) == {
        "distribution": "utopya-backend",
        "version": utopya_backend.__version__,
        "implementation": _impl.IMPLEMENTATION,
        "python": PY,
        "host": socket.gethostname(),
    }


def test_info_adds_the_slurm_node_and_job_where_set():
    got = info({"SLURMD_NODENAME": "node7", "SLURM_JOB_ID": "4711"})
    assert got["node"] == "node7" and got["job"] == "4711"
    got = info({"SLURMD_NODENAME": "", "SLURM_JOB_ID": "12"})
    assert "node" not in got and got["job"] == "12"


def test_info_reads_the_environment_by_default(monkeypatch):
    monkeypatch.setenv("SLURMD_NODENAME", "nodeX")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    got = info()
    assert got["node"] == "nodeX" and "job" not in got


@pytest.mark.parametrize(
    "impl, core", [("c", "compiled core"), ("python", "pure Python")]
)
def test_log_line_names_the_core(monkeypatch, impl, core):
    monkeypatch.setattr(_impl, "IMPLEMENTATION", impl)
    assert log_line() == (
        f"utopya-backend {utopya_backend.__version__} ({core}, "
        f"implementation '{impl}', Python {PY})"
    )


@pytest.fixture
def h5(tmp_path):
    with h5py.File(tmp_path / "f.h5", "w") as f:
        yield f


def test_stamp_writes_prefixed_attributes_and_read_gives_them_back(
    h5, monkeypatch
):
    monkeypatch.setenv("SLURM_JOB_ID", "99")
    stamp(h5)
    assert h5.attrs["utopya_backend.distribution"] == "utopya-backend"
    assert h5.attrs["utopya_backend.job"] == "99"
    h5.attrs["other"] = "not ours"
    assert read(h5) == info()


def test_stamp_once(h5, monkeypatch):
    stamp(h5)
    first = read(h5)
    monkeypatch.setattr(_impl, "IMPLEMENTATION", "other")
    stamp(h5)
    assert read(h5) == first
    assert first["implementation"] != "other"


def test_read_decodes_byte_attributes(h5):
    h5.attrs["utopya_backend.host"] = np.bytes_(b"h\xc3\xa9\xff")
    h5.attrs["utopya_backend.version"] = 3
    assert read(h5) == {"host": "h\u00e9\ufffd", "version": "3"}
    assert read(h5) is not None and read(h5.create_group("g")) == {}


REPORT = (
    "Cluster Mode Information \n------------------------ \n \n"
    "  node name     {node} \n  node index    1 \n \n"
    "Universe Runtimes \n----------------- \n \n"
    "  uni2          1.5s \n  uni4          1.2s  --  stopped\n"
    "  universe      0.1s \n\n  uni   x\n"
)


def test_frontend_nodes_from_each_nodes_report(tmp_path):
    (tmp_path / "_report_a.txt").write_text(REPORT.format(node="nodeA"))
    text = REPORT.format(node="nodeB").replace("uni2 ", "uni3 ")
    (tmp_path / "_report_b.txt").write_text(text.replace("uni4", "uni5"))
    (tmp_path / "other.txt").write_text(REPORT.format(node="nodeC"))
    assert frontend_nodes(str(tmp_path)) == {
        "uni2": "nodeA",
        "uni4": "nodeA",
        "uni3": "nodeB",
        "uni5": "nodeB",
    }


def test_frontend_node_from_the_file_name_without_a_node_line(tmp_path):
    text = "Task Runtimes\n  uni1  1s\n  uni10 2s\n"
    (tmp_path / "_report_gpu03.txt").write_text(text)
    assert frontend_nodes(str(tmp_path)) == {"uni1": "gpu03", "uni10": "gpu03"}


def test_frontend_reports_without_runtimes_or_unreadable_are_skipped(
    tmp_path,
):
    (tmp_path / "_report_x.txt").write_text("  node name  x\n  uni1  1s\n")
    (tmp_path / "_report_dir.txt").mkdir()  # cannot be opened as a file
    (tmp_path / "_report_z.txt").write_text("Universe Runtimes\n  uni7  1s\n")
    assert frontend_nodes(str(tmp_path)) == {"uni7": "z"}
    assert frontend_nodes(str(tmp_path / "missing")) == {}


def test_a_later_runtimes_heading_does_not_split_again(tmp_path):
    text = (
        "  node name n1\nUniverse Runtimes\n  uni1  1s\n"
        "Task Runtimes\n  uni2  1s\n"
    )
    (tmp_path / "_report_n1.txt").write_text(text)
    assert frontend_nodes(str(tmp_path)) == {"uni1": "n1", "uni2": "n1"}


def _file(path, **attrs):
    with h5py.File(path, "w") as f:
        for k, v in attrs.items():
            f.attrs["utopya_backend." + k] = v
    return str(path)


def test_describe_names_package_version_core_and_host(tmp_path):
    path = _file(
        tmp_path / "d.h5",
        distribution="utopya-backend",
        version="1.2",
        implementation="c",
        host="box",
    )
    assert describe(path) == (
        "  produced by: utopya-backend 1.2 (implementation: c), host box"
    )


def test_describe_prefers_the_node_to_the_host(tmp_path):
    path = _file(
        tmp_path / "d.h5", distribution="x", host="box", node="n9", job="1"
    )
    assert describe(path) == (
        "  produced by: x ? (implementation: ?), node n9"
    )


def test_describe_a_file_of_the_original_package(tmp_path):
    path = _file(tmp_path / "d.h5", host="box")
    assert describe(path) == f"  produced by: {UNKNOWN}, host box"
    assert describe(_file(tmp_path / "e.h5")) == f"  produced by: {UNKNOWN}"


def test_describe_a_damaged_or_missing_file(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    assert describe(str(bad)) == f"  produced by: {UNKNOWN}"
    assert describe(str(tmp_path / "none.h5")) == f"  produced by: {UNKNOWN}"


def _run_dir(tmp_path):
    # <run>/data/uni4/data.h5 and <run>/_report_nodeB.txt
    uni = tmp_path / "run" / "data" / "uni4"
    uni.mkdir(parents=True)
    (tmp_path / "run" / "_report_nodeB.txt").write_text(
        REPORT.format(node="nodeB")
    )
    return uni


def test_describe_takes_the_node_from_the_frontend_reports(tmp_path):
    uni = _run_dir(tmp_path)
    path = _file(uni / "data.h5", distribution="d", version="1", host="h")
    assert describe(path) == (
        "  produced by: d 1 (implementation: ?), node nodeB"
    )


def test_describe_keeps_the_files_own_node(tmp_path):
    uni = _run_dir(tmp_path)
    path = _file(uni / "data.h5", distribution="d", node="own")
    assert describe(path).endswith(", node own")


def test_describe_looks_for_reports_only_in_universe_directories(tmp_path):
    uni = _run_dir(tmp_path)
    other = uni.parent / "uni4x"
    other.mkdir()
    path = _file(other / "data.h5", distribution="d", host="h")
    assert describe(path).endswith(", host h")
    path = _file(uni / "data.h5", distribution="d", host="h")
    (tmp_path / "run" / "_report_nodeB.txt").unlink()
    assert describe(path).endswith(", host h")  # no report: the host


def test_frontend_report_with_bytes_that_are_not_utf8_is_read(tmp_path):
    text = REPORT.format(node="nodeA").encode() + b"  comment \xff\xfe\n"
    (tmp_path / "_report_a.txt").write_bytes(b"# \xe9t\xe9\n" + text)
    assert frontend_nodes(str(tmp_path)) == {"uni2": "nodeA", "uni4": "nodeA"}
