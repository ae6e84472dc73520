"""utopya's cluster mode (SLURM) with the real frontend, on one machine.

A two-node allocation is simulated: two ``utopya run --cluster-mode``
processes at once, each with the variables SLURM sets on its node
(``SLURM_JOB_ID``, ``SLURM_JOB_NUM_NODES``, ``SLURM_JOB_NODELIST``,
``SLURMD_NODENAME``) and the same ``RUN_TIMESTAMP``, as
``examples/SIS/slurm_job.sh`` starts them with ``srun``. The frontends
share one run directory; each runs every second universe of a sweep.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import time

import h5py
import pytest
from test_sis_readme import EXAMPLE, example_workdir

import utopya_backend
from utopya_backend.io import _provenance

NODES = ["node007", "node012"]
JOB_ID = "4711"
UNIVERSES = ["uni1", "uni2", "uni3", "uni4", "uni5"]

RUN_CFG = """
perform_sweep: true
parameter_space:
  num_steps: 40
  SIS:
    grid: 16
    p_infect: !sweep
      default: 0.3
      values: [0.1, 0.2, 0.3, 0.4, 0.5]
"""

pytestmark = pytest.mark.skipif(
    not os.path.isdir(EXAMPLE), reason="no examples/SIS here"
)


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    env, impl, work = example_workdir(tmp_path_factory, "slurm")
    (work / "cluster.yml").write_text(RUN_CFG)
    reg = subprocess.run(
        ["utopya", "projects", "register", ".", "--with-models"],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert reg.returncode == 0, reg.stdout + reg.stderr
    slurm = dict(
        SLURM_JOB_ID=JOB_ID,
        SLURM_JOB_NUM_NODES=str(len(NODES)),
        SLURM_JOB_NODELIST="node[007,012]",  # SLURM's condensed form
        RUN_TIMESTAMP=str(int(time.time())),
    )
    procs = []
    for node in NODES:
        node_env = {**env, **slurm, "SLURMD_NODENAME": node}
        procs.append(
            subprocess.Popen(
                ["utopya", "run", "SIS", "cluster.yml", "--cluster-mode",
                 "--no-eval", "--num-workers", "1"],
                cwd=work, env=node_env, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    outs = [p.communicate(timeout=600)[0] for p in procs]
    for node, p, out in zip(NODES, procs, outs):
        assert p.returncode == 0, f"{node}:\n{out[-5000:]}"
    run_dirs = glob.glob(os.path.join(env["HOME"], "utopya_output", "*", "*"))
    report = subprocess.run(
        ["python", "-m", "utopya_backend", "report", *run_dirs],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return dict(run_dirs=run_dirs, outs=outs, report=report, impl=impl)


def test_one_shared_run_directory(cluster_run):
    (run_dir,) = cluster_run["run_dirs"]
    assert run_dir.endswith(f"_job{JOB_ID}")
    assert sorted(os.listdir(os.path.join(run_dir, "data"))) == UNIVERSES
    reports = sorted(glob.glob(os.path.join(run_dir, "_report_*.txt")))
    assert [os.path.basename(r) for r in reports] == [
        f"_report_{n}.txt" for n in NODES
    ]


def test_every_universe_runs_exactly_once_with_this_package(cluster_run):
    (run_dir,) = cluster_run["run_dirs"]
    by_frontend = _provenance.frontend_nodes(run_dir)
    # utopya assigns universe i to node (i - 1) % num_nodes: 3 + 2
    assert by_frontend == {
        u: NODES[i % 2] for i, u in enumerate(UNIVERSES)
    }, by_frontend
    for out, node in zip(cluster_run["outs"], NODES):
        mine = sorted(u for u, n in by_frontend.items() if n == node)
        assert f"This is node {NODES.index(node) + 1} of 2." in out
        assert f"Added {len(mine)} tasks." in out
    for uni in UNIVERSES:
        path = os.path.join(run_dir, "data", uni, "data.h5")
        with h5py.File(path, "r") as f:
            prov = _provenance.read(f)
            assert f["SIS/infected_density"].shape == (41,)
        assert prov["distribution"] == "utopya-backend"
        assert prov["version"] == utopya_backend.__version__
        assert prov["implementation"] == cluster_run["impl"]
        # the node the model ran on is the one the frontend recorded
        assert prov["node"] == by_frontend[uni]
        assert prov["job"] == JOB_ID
        log = open(os.path.join(run_dir, "data", uni, "out.log")).read()
        assert log.count("Backend: utopya-backend") == 1


def test_report_covers_every_universe_and_names_its_node(cluster_run):
    report = cluster_run["report"]
    assert report.returncode == 0, report.stderr
    (run_dir,) = cluster_run["run_dirs"]
    by_frontend = _provenance.frontend_nodes(run_dir)
    shown = dict(
        re.findall(
            r"data/(uni\d+)/data\.h5 : /SIS/benchmark\n"
            r"  produced by: utopya-backend [^\n]*, node (\S+)\n",
            report.stdout,
        )
    )
    assert shown == by_frontend
    assert "5 universes;" in report.stdout


def test_report_takes_the_node_from_the_frontend_for_other_files(
    cluster_run, tmp_path
):
    """A file without our attributes (written by the original package):
    its node comes from the frontend's cluster-mode report files."""
    (run_dir,) = cluster_run["run_dirs"]
    path = os.path.join(run_dir, "data", "uni2", "data.h5")
    with h5py.File(path, "a") as f:
        for key in list(f.attrs):
            if key.startswith("utopya_backend."):
                del f.attrs[key]
    line = _provenance.describe(path)
    assert line == (
        f"  produced by: {_provenance.UNKNOWN}, node {NODES[1]}"
    ), line
