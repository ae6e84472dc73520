"""Scale: a million benchmark rows and ten million writer rows with flat
memory, loaded back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SCRIPT = r"""
import json, os, resource, sys
import yaml
from utopya_backend import BaseModel, ModelBenchmarkMixin

class Many(ModelBenchmarkMixin, BaseModel):
    def setup(self, *, n, **_):
        self.n = n
        self.value = 0

    def should_iterate(self):
        return self._n_iterations < self.n

    def iterate(self):
        self.value += 1

    def should_write(self):
        return True

    def write_data(self):
        pass

n, out = int(sys.argv[1]), sys.argv[2]
cfg = dict(root_model_name="M", output_path=out, seed=1,
           monitor_emit_interval=1000, log_levels=dict(model="error"),
           M=dict(n=n, benchmark=dict(show_on_exit=False)))
with open(out + ".yml", "w") as f:
    yaml.safe_dump(cfg, f)
m = Many(cfg_file_path=out + ".yml")
m.run()
print(json.dumps(dict(maxrss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
"""


def _run(tmp_path, n):
    script = tmp_path / "many.py"
    if not script.exists():
        script.write_text(SCRIPT)
    out = tmp_path / f"many{n}.h5"
    res = subprocess.run(
        [sys.executable, str(script), str(n), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.splitlines()[-1])["maxrss_kib"], out


@pytest.mark.skipif(sys.platform == "win32", reason="uses resource")
def test_million_writes_flat_memory_and_loadable(tmp_path):
    small_rss, _ = _run(tmp_path, 10_000)
    big_rss, out = _run(tmp_path, 1_000_000)
    # Rows go to the file in fixed-size blocks: memory does not grow.
    assert (big_rss - small_rss) / 1024 < 16, (small_rss, big_rss)
    with h5py.File(out, "r") as f:
        cum = f["M/benchmark/cumulative"]
        assert cum.shape == (1_000_000, 4)
        assert cum.attrs["coords_mode__n_iterations"] == "start_and_step"
        assert cum.attrs["coords__n_iterations"].tolist() == [1, 1]
        last = cum[-1000:]
        assert np.all(np.diff(last, axis=0) >= 0)
    assert os.path.getsize(out) < 64 * 2**20


WRITER = r"""
import json, resource, sys
import yaml
from utopya_backend import StepwiseModel

class Series(StepwiseModel):
    def setup(self, **_):
        self.x = 0.0
        self.ts = self.create_ts_writer("x", dtype="f8")

    def perform_step(self):
        self.x += 1.0

    def write_data(self):
        self.ts.append(self.x)

n, out = int(sys.argv[1]), sys.argv[2]
cfg = dict(root_model_name="M", output_path=out, seed=1,
           monitor_emit_interval=1000, log_levels=dict(model="error"),
           num_steps=n, M={})
with open(out + ".yml", "w") as f:
    yaml.safe_dump(cfg, f)
Series(cfg_file_path=out + ".yml").run()
print(json.dumps(dict(maxrss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="uses resource")
def test_ten_million_appends_flat_memory_exact_rows(tmp_path):
    (tmp_path / "many.py").write_text(WRITER)
    rss = {n: _run(tmp_path, n)[0] for n in (100_000, 1_000_000)}
    big_rss, out = _run(tmp_path, 10_000_000)
    # Rows reach the file a block (1 MiB) at a time: memory stays flat. The
    # first blocks grow HDF5's own caches by some 7 MiB (h5py alone does
    # the same), after which nothing grows.
    assert (big_rss - rss[100_000]) / 1024 < 10, (rss, big_rss)
    assert (big_rss - rss[1_000_000]) / 1024 < 2, (rss, big_rss)
    with h5py.File(out, "r") as f:
        x = f["M/x"]
        assert x.shape == (10_000_001,)  # the initial state and every step
        assert x[-1] == 10_000_000.0 and x[12345] == 12345.0
