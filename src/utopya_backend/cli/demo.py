"""The ``demo`` command: the forest fire, benchmarked, and the overhead.

Runs the Drossel–Schwabl forest fire (:mod:`._forest_fire`, re-exported
here) with the benchmark mixin, prints its timing table, measures the
package's own per-iteration overhead and, on request, does the same on the
pure-Python twin.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from typing import Any, Dict, Optional, Tuple

from ..logging import backend_logger
from ._forest_fire import (  # noqa: F401 (re-exported)
    EMPTY,
    FIRE,
    TREE,
    BenchmarkedForestFire,
    ForestFire,
    _write_cfg,
)
from ._overhead import _print_overhead, _step_seconds, measure_overhead

__all__ = [
    "ForestFire",
    "BenchmarkedForestFire",
    "measure_overhead",
    "run_demo",
]


class _Progress:
    """A progress bar on stderr: tqdm if installed, else a plain one."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        try:
            from tqdm import tqdm
        except ImportError:
            self._bar = None
        else:
            self._bar = tqdm(total=total, file=sys.stderr, unit="step")
        self._tty = sys.stderr.isatty()
        self._last = -1

    def update(self, done: int, info: str = "") -> None:
        if self._bar is not None:
            self._bar.update(done - self.done)
            if info:
                self._bar.set_postfix_str(info, refresh=False)
        else:
            percent = int(100 * done / self.total)
            if percent != self._last and (self._tty or percent % 10 == 0):
                bar = "#" * (percent // 4)
                end = "\r" if self._tty else "\n"
                sys.stderr.write(f"[{bar:<25s}] {percent:3d}% {info}{end}")
                sys.stderr.flush()
            self._last = percent
        self.done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._tty:
            sys.stderr.write("\n")


def _with_progress(cls: type, progress: _Progress) -> type:
    """Subclass ``cls`` so monitor emissions drive the bar, not stdout."""

    class Demo(cls):  # type: ignore[valid-type, misc]
        def _emit_monitor(self) -> None:
            progress.update(self.time, f"density {self.tree_density:.3f}")

    Demo.__name__ = cls.__name__
    return Demo


def _default_out() -> str:
    """A fresh directory in the temp dir (never the current directory)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return tempfile.mkdtemp(prefix=f"utopya-backend-demo-{stamp}-")


def _run_forest_fire(
    *,
    steps: int,
    grid: int,
    out: str,
    seed: int,
    benchmark: bool,
    write_every: int,
    progress: bool = True,
) -> Dict[str, Any]:
    """Run the forest fire into ``out``; its timings and result."""
    name = "ForestFire"
    cfg_path = _write_cfg(
        out,
        name,
        dict(grid=grid, benchmark=dict(show_on_exit=False)),
        seed=seed,
        num_steps=steps,
        write_every=write_every,
        write_start=0,
    )
    bar = _Progress(steps) if progress else None
    cls: Any = BenchmarkedForestFire if benchmark else ForestFire
    if bar is not None:
        cls = _with_progress(cls, bar)
    level = backend_logger.level
    backend_logger.setLevel(logging.WARNING)  # the demo talks on stdout
    try:
        t0 = time.perf_counter()
        model = cls(cfg_file_path=cfg_path)
        model.run()
        wall = time.perf_counter() - t0
        if bar is not None:
            bar.update(model.time, f"density {model.tree_density:.3f}")
    finally:
        if bar is not None:
            bar.close()
        backend_logger.setLevel(level)
    result: Dict[str, Any] = dict(
        path=os.path.join(out, "data.h5"),
        wall=wall,
        density=model.tree_density,
        rows=None,
    )
    if benchmark:
        from ..reports.report import timer_rows

        result["rows"] = timer_rows(model.timers)
    del model
    return result


def run_demo(
    *,
    steps: int = 2000,
    grid: int = 128,
    out: Optional[str] = None,
    seed: int = 42,
    benchmark: bool = True,
    write_every: int = 10,
    compare_python: bool = False,
) -> str:
    """Run the forest fire, print the timing table and the bookkeeping
    overhead, return the file path.

    Args:
        out: A new directory for the output; by default a fresh
            ``utopya-backend-demo-<time>-*`` directory in the temp dir.
        compare_python: Also run the demo on the pure-Python twin of the
            compiled core (in a subprocess, into ``<out>/pure-python``)
            and compare.
    """
    if out is None:
        out = _default_out()
    else:
        out = os.path.abspath(out)
        os.makedirs(out, exist_ok=False)
    res = _run_forest_fire(
        steps=steps,
        grid=grid,
        out=out,
        seed=seed,
        benchmark=benchmark,
        write_every=write_every,
    )
    print(f"Forest fire: {steps} steps on a {grid}x{grid} grid, seed {seed}")
    print(f"Final tree density: {res['density']:.3f}")
    if res["rows"] is not None:
        from ..reports.report import format_timer_rows

        print()
        print(format_timer_rows(res["rows"]))
    over = measure_overhead()
    print()
    _print_overhead(over, res, steps)
    if compare_python:
        print()
        _compare_python(
            res, over, steps, grid, out, seed, benchmark, write_every
        )
    print()
    print(f"Output written to: {res['path']}")
    return str(res["path"])


def _run_time_row(
    res: Dict[str, Any], twin: Dict[str, Any]
) -> Tuple[str, float, float]:
    """The runs' ``simulation`` totals, the very figure of their timing
    tables; the wall time around the model where nothing was timed."""

    def sim(r: Dict[str, Any]) -> Optional[float]:
        for row in r["rows"] or ():
            if row["timer"] == "simulation":
                return float(row["seconds"])
        return None

    a, b = sim(res), sim(twin)
    if a is None or b is None:
        return ("run time (wall)", float(res["wall"]), float(twin["wall"]))
    return ("simulation total", a, b)


_TWIN_CODE = """import json, sys
from utopya_backend.cli import demo
from utopya_backend.core import _impl
a = json.loads(sys.argv[1])
res = demo._run_forest_fire(progress=False, **a)
res["overhead"] = demo.measure_overhead()
res["implementation"] = _impl.IMPLEMENTATION
print(json.dumps(res))
"""


def _compare_python(
    res: Dict[str, Any],
    over: Dict[str, float],
    steps: int,
    grid: int,
    out: str,
    seed: int,
    benchmark: bool,
    write_every: int,
) -> None:
    """Run the same demo on the pure-Python twin and print both."""
    import json
    import subprocess

    from ..core import _impl
    from ..core._timefmt import format_time

    twin_out = os.path.join(out, "pure-python")
    os.mkdir(twin_out)
    args = dict(
        steps=steps,
        grid=grid,
        out=twin_out,
        seed=seed,
        benchmark=benchmark,
        write_every=write_every,
    )
    env = dict(os.environ, UTOPYA_BACKEND_NO_EXTENSIONS="1")
    print("Running the same demo on the pure-Python twin ...", flush=True)
    proc = subprocess.run(
        [sys.executable, "-c", _TWIN_CODE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise OSError(f"the pure-Python run failed: {last}")
    twin = json.loads(proc.stdout.strip().splitlines()[-1])
    this = "compiled" if _impl.IMPLEMENTATION == "c" else "this run"
    rows = [
        _run_time_row(res, twin),
        ("per step", _step_seconds(res, steps), _step_seconds(twin, steps)),
        (
            "bookkeeping/iter",
            over["loop"] + over["timers"],
            twin["overhead"]["loop"] + twin["overhead"]["timers"],
        ),
    ]
    print(f"  {'':>16s}  {this:>11s}  {'pure-Python':>11s}")
    for label, a, b in rows:
        print(f"  {label:>16s}  {format_time(a):>11s}  {format_time(b):>11s}")
    same = twin["density"] == res["density"]
    print(
        f"  same result (final tree density): {'yes' if same else 'NO'}; "
        f"pure-Python output: {twin['path']}"
    )
    if _impl.IMPLEMENTATION != "c":
        print(
            "  (the compiled core is not in use here: both runs are "
            "pure-Python)"
        )
