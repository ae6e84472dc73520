"""examples/compiled_step: a model whose step is a Cython ``cdef`` method,
built with the package's ``cstep.pxd`` and run by the real frontend
(utopya 1.3.11), as tests/test_e2e_utopya.py runs its models.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from test_e2e_utopya import _frontend_python

import utopya_backend

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "compiled_step")
# Where this package is imported from: the model and the build use it.
PKG_ROOT = os.path.dirname(os.path.dirname(utopya_backend.__file__))

pytestmark = [
    pytest.mark.c_extension,
    pytest.mark.skipif(
        not os.path.isdir(EXAMPLE), reason="no examples/compiled_step here"
    ),
]

DRIVER = """
import json, sys
import utopya

exe, default_cfg, out_dir = sys.argv[1:4]
utopya.MODELS.register_model_info(
    "CompiledCA",
    paths=dict(executable=exe, default_cfg=default_cfg),
    label="e2e", exists_action="overwrite", set_as_default=True,
)
mv = utopya.Model(name="CompiledCA").create_mv(
    paths=dict(out_dir=out_dir),
    executable_control=dict(run_from_tmpdir=False),
    parameter_space=dict(
        num_steps=300, write_every=10, seed=4,
        CompiledCA=dict(rule=110, width=64),
    ),
    data_manager=dict(load_cfg=dict(data=dict(
        loader="hdf5_proxy", glob_str="data/uni*/data.h5", required=True,
        path_regex="data/uni(\\\\d+)/data.h5",
        target_path="multiverse/{match:}/data", enable_mapping=True,
    ))),
)
mv.run()
mv.dm.load_from_cfg(print_tree=False)
(uni,) = mv.dm["multiverse"].values()
d = uni["data"]["CompiledCA"]
print("CA-RESULT " + json.dumps(dict(
    counters=mv.wm.task_counters,
    density=[float(v) for v in d["density"].data.values],
    time=[int(t) for t in d["density"].data.coords["time"].values],
    cells=list(d["cells"].data.shape),
    cells_sum=[int(v) for v in d["cells"].data.values.sum(axis=1)],
)))
"""


@pytest.fixture(scope="module")
def built_example(tmp_path_factory):
    """A copy of the example with its step built by this interpreter."""
    work = tmp_path_factory.mktemp("compiled-step") / "compiled_step"
    shutil.copytree(
        EXAMPLE,
        work,
        ignore=shutil.ignore_patterns("build", "*.c", "*.so", "*.h5"),
    )
    proc = subprocess.run(
        [sys.executable, "build.py"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": PKG_ROOT},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return work


def test_the_example_runs_under_the_frontend(built_example, tmp_path_factory):
    py = _frontend_python(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("compiled-step-run")
    # The model runs with this interpreter and this package (the frontend
    # keeps its own venv): a `python3` shim first on PATH.
    shim = tmp / "bin"
    shim.mkdir()
    for name in ("python", "python3"):
        (shim / name).write_text(
            f'#!/bin/sh\nPYTHONPATH="{PKG_ROOT}" exec "{sys.executable}" '
            f'"$@"\n'
        )
        (shim / name).chmod(0o755)
    (tmp / "home").mkdir()
    env = {**os.environ, "HOME": str(tmp / "home")}
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.pathsep.join([str(shim), env["PATH"]])
    (tmp / "driver.py").write_text(DRIVER)
    proc = subprocess.run(
        [
            py,
            str(tmp / "driver.py"),
            str(built_example / "run_model.py"),
            str(built_example / "CA_cfg.yml"),
            str(tmp / "out"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    lines = [x for x in proc.stdout.splitlines() if x.startswith("CA-RESULT")]
    assert proc.returncode == 0 and lines, (
        proc.stdout[-3000:] + proc.stderr[-5000:]
    )
    result = json.loads(lines[-1][len("CA-RESULT ") :])
    assert result["counters"]["success"] == 1
    assert result["time"] == list(range(0, 301, 10))
    assert result["cells"] == [31, 64]
    # The density written from C is that of the cells written from Python.
    assert result["density"] == [s / 64 for s in result["cells_sum"]]


def test_the_example_step_runs_in_process(built_example, tmp_path):
    """Without the frontend: the compiled step and a rule-90 check."""
    import numpy as np
    import yaml

    sys.path.insert(0, str(built_example))
    try:
        from model import CA
    finally:
        sys.path.remove(str(built_example))
    cfg = dict(
        root_model_name="CA",
        output_path=str(tmp_path / "out.h5"),
        output_dir=str(tmp_path),
        seed=1,
        monitor_emit_interval=100.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=5,
        CA=dict(rule=90, width=16),
    )
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(cfg))
    m = CA(cfg_file_path=str(tmp_path / "cfg.yml"))
    m.USE_SYS_EXIT = False
    assert m.run() == 0
    import h5py

    with h5py.File(tmp_path / "out.h5", "r") as f:
        cells = f["CA/cells"][:].astype(int)
    for a, b in zip(cells[:-1], cells[1:]):  # rule 90: left XOR right
        assert (b == (np.roll(a, 1) ^ np.roll(a, -1))).all()
