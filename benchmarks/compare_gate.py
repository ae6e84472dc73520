"""False positives and detection of ``report --compare --fail-on-slowdown``.

Not an asv benchmark: it defines no ``time_``/``mem_``/``track_`` names, so
asv, which imports every module of this directory, collects nothing here
and running it needs ``__main__``. Run it by hand::

    PYTHONPATH=src python benchmarks/compare_gate.py [--pairs 10] [OUT]

Each run is a fresh process, as in a model's CI. Per kind of run (2000
steps of a ~1 µs step, where ``init`` dominates; 20,000 steps of a ~10 µs
step), ``--pairs`` pairs of identical runs and as many with the step made
1.3x slower are compared at the default options; it prints how many
comparisons exit 1 (flagged) and the timers flagged. The numbers are in
docs/guide/reports.rst.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from typing import List, Tuple

KINDS = (("short", 2000, 1e-6), ("long", 20000, 1e-5))
"""(name, steps, seconds per step) of the two kinds of runs."""

SLOWER = 1.3
"""How much slower the step of a slowed run is."""


def _one_run(out: str, steps: int, spin: float) -> None:
    """Run a model whose step spins for ``spin`` seconds; data in ``out``."""
    import yaml

    from utopya_backend import ModelBenchmarkMixin, StepwiseModel

    class Spin(ModelBenchmarkMixin, StepwiseModel):
        def setup(self, **_):
            self.x = 0

        def perform_step(self):
            end = time.perf_counter() + spin
            while time.perf_counter() < end:
                pass
            self.x += 1

        def write_data(self):
            pass

    os.makedirs(out)
    cfg = dict(
        root_model_name="Spin",
        output_path=os.path.join(out, "data.h5"),
        output_dir=out,
        seed=1,
        monitor_emit_interval=10.0,
        log_levels=dict(model="warning", backend="warning"),
        num_steps=steps,
        write_every=max(1, steps // 100),
        Spin=dict(benchmark=dict(show_on_exit=False)),
    )
    path = os.path.join(out, "config.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    with contextlib.redirect_stdout(io.StringIO()):
        Spin(cfg_file_path=path).run()


def _run(out: str, steps: int, spin: float) -> str:
    subprocess.run(
        [sys.executable, __file__, "--one", out, str(steps), repr(spin)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return os.path.join(out, "data.h5")


def _gate(before: str, after: str) -> Tuple[int, List[str]]:
    """Exit status of ``report --compare --fail-on-slowdown`` and the
    timers it flags."""
    from utopya_backend.reports.compare import compare_paths

    res = compare_paths(before, after)
    return (1 if res["slowdown"] else 0), res["slowdown"]


def measure(tmp: str, pairs: int) -> None:
    """Print false positives and detections per kind of run."""
    for name, steps, spin in KINDS:
        for label, factor in (("identical", 1.0), ("1.3x slower", SLOWER)):
            flagged, timers = 0, []
            for i in range(pairs):
                d = os.path.join(tmp, f"{name}-{factor}-{i}")
                b = _run(os.path.join(d, "before"), steps, spin)
                a = _run(os.path.join(d, "after"), steps, spin * factor)
                rc, slow = _gate(b, a)
                flagged += rc
                timers += slow
            print(
                f"{name:5s} ({steps} steps of {spin * 1e6:g} µs), "
                f"{label:11s}: flagged {flagged} of {pairs}"
                + (f" ({', '.join(sorted(set(timers)))})" if timers else ""),
                flush=True,
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", nargs="?", default=None, help="work directory")
    p.add_argument("--pairs", type=int, default=10, help="pairs per case")
    p.add_argument("--one", nargs=3, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        out, steps, spin = args.one
        _one_run(out, int(steps), float(spin))
        return
    if args.out:
        measure(args.out, args.pairs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(tmp, args.pairs)


if __name__ == "__main__":
    main()
