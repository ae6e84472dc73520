"""Every output file says which package wrote it (issue 14, item 2)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import h5py
import pytest
from _models import BenchCounter, BenchWalker

import utopya_backend
from utopya_backend.core import _impl
from utopya_backend.io import _provenance
from utopya_backend.reports import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _attrs(path: str) -> dict:
    with h5py.File(path, "r") as f:
        return _provenance.read(f)


@pytest.mark.parametrize("cls", [BenchWalker, BenchCounter])
def test_output_file_records_the_package(make_cfg, cls):
    cfg = make_cfg()
    model = cls(cfg_file_path=cfg)
    model.run()
    path = model._root_cfg["output_path"]
    del model
    prov = _attrs(path)
    assert prov["distribution"] == "utopya-backend"
    assert prov["version"] == utopya_backend.__version__
    assert prov["implementation"] == _impl.IMPLEMENTATION
    assert prov["implementation"] in ("c", "python")
    assert prov["python"] == "{}.{}.{}".format(*sys.version_info[:3])
    assert prov["host"]
    assert utopya_backend.__distribution__ == "utopya-backend"


def test_slurm_node_and_job_are_recorded(make_cfg, monkeypatch):
    monkeypatch.setenv("SLURMD_NODENAME", "node042")
    monkeypatch.setenv("SLURM_JOB_ID", "123")
    model = BenchWalker(cfg_file_path=make_cfg())
    path = model._root_cfg["output_path"]
    del model
    prov = _attrs(path)
    assert (prov["node"], prov["job"]) == ("node042", "123")
    assert _provenance.describe(path).endswith(", node node042")


def test_no_slurm_no_node(monkeypatch):
    monkeypatch.delenv("SLURMD_NODENAME", raising=False)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    assert "node" not in _provenance.info() and "job" not in _provenance.info()


def test_model_log_starts_with_the_package(make_cfg):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    log = logging.getLogger("test_provenance")
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        model = BenchWalker(cfg_file_path=make_cfg(), _log=log)
        del model
    finally:
        log.removeHandler(handler)
    first = records[0].getMessage()
    assert first.startswith(
        f"Backend: utopya-backend {utopya_backend.__version__} ("
    ), first
    assert f"implementation '{_impl.IMPLEMENTATION}'" in first


def test_report_shows_the_package_or_unknown(make_cfg):
    model = BenchWalker(cfg_file_path=make_cfg())
    model.run()
    path = model._root_cfg["output_path"]
    del model
    (data,) = report.find_benchmarks(path)
    table = report.format_table(data)
    assert (
        f"produced by: utopya-backend {utopya_backend.__version__} "
        f"(implementation: {_impl.IMPLEMENTATION}), host "
    ) in table.splitlines()[1]
    # As the original package writes it: no provenance attributes.
    with h5py.File(path, "a") as f:
        for key in list(f.attrs):
            del f.attrs[key]
    table = report.format_table(report.find_benchmarks(path)[0])
    assert table.splitlines()[1] == (
        "  produced by: unknown (original utopya_backend?)"
    )


def test_stamp_keeps_existing_attributes(tmp_path):
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.attrs["utopya_backend.distribution"] = "someone else"
        _provenance.stamp(f)
        assert f.attrs["utopya_backend.distribution"] == "someone else"
        assert "utopya_backend.version" not in f.attrs


def test_frontend_nodes_from_cluster_report_files(tmp_path):
    report_text = (
        "Cluster Mode Information \n------------------------ \n \n"
        "  node name     nodeB \n  node index    1 \n \n"
        "Universe Runtimes \n----------------- \n \n"
        "  uni2          1.5s \n  uni4          1.2s  --  stopped\n"
    )
    (tmp_path / "_report_nodeB.txt").write_text(report_text)
    (tmp_path / "_report_broken.txt").write_text("no runtimes here")
    assert _provenance.frontend_nodes(str(tmp_path)) == {
        "uni2": "nodeB",
        "uni4": "nodeB",
    }


def _one_liner(readme: str) -> str:
    text = open(os.path.join(ROOT, readme), encoding="utf-8").read()
    (line,) = [
        x
        for x in re.findall(r"^```bash\n(.*?)^```", text, re.M | re.S)
        if "__distribution__" in x
    ]
    return line.strip()


@pytest.mark.parametrize("readme", ["README.md", "examples/SIS/README.md"])
def test_readme_one_liner_answers_both_ways(readme, tmp_path):
    line = _one_liner(readme)
    env = {**os.environ}
    env.pop("PYTHONPATH", None)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (shim / "python").chmod(0o755)
    env["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    # this package (the test's own, wherever it is imported from)
    src = os.path.dirname(os.path.dirname(utopya_backend.__file__))
    ours = subprocess.run(
        ["bash", "-c", line], env={**env, "PYTHONPATH": src},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.split() == [
        "utopya-backend",
        utopya_backend.__version__,
    ]
    # the original package: no __distribution__, no __version__
    orig = tmp_path / "orig" / "utopya_backend"
    orig.mkdir(parents=True)
    (orig / "__init__.py").write_text('"""The original utopya_backend."""\n')
    theirs = subprocess.run(
        ["bash", "-c", line], env={**env, "PYTHONPATH": str(orig.parent)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert theirs.returncode == 0, theirs.stderr
    assert theirs.stdout.strip() == (
        "original utopya_backend (bundled with utopya)"
    )
