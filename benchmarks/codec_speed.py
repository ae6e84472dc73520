"""gzip in the background against the opt-in codecs, for a 64x64 grid row.

    python benchmarks/codec_speed.py [--rounds 5] [--steps 5000]

runs ``overhead.py``'s grid models with ``compression`` 2 (gzip, the
default), ``"lz4"`` and ``"zstd"`` (needs ``hdf5plugin``), round by round,
and prints the medians (ns per step) as JSON: ``grid`` is a step that
flips one cell, ``busy`` one that also computes for about 20 us, reported
over its floor (the same step with a no-op write): what a row costs the
model's thread. ``read`` times reading 5000 rows back (5 % of cells set,
chunks of 8 rows; median of 5 reads) and gives the stored size. The
figures are quoted in ``docs/guide/time-series.rst``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import tempfile
import time
from typing import Any, Dict, List

import h5py
import numpy as np

from utopya_backend.io._codecs import codec_kwargs

try:  # imported by asv's discovery, as a module of the package
    from . import overhead as o
except ImportError:  # run as a script
    import overhead as o  # type: ignore[no-redef]


def read_figures(codecs: Dict[str, Any]) -> Dict[str, Any]:
    """Median ms to read 5000 grid rows, and MiB stored, per codec."""
    rows = (np.random.default_rng(0).random((5000, 64, 64)) < 0.05).astype(
        "u1"
    )
    out: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with h5py.File(os.path.join(tmp, "read.h5"), "w") as f:
            for name, value in codecs.items():
                kw = codec_kwargs(value, name)
                f.create_dataset(name, data=rows, chunks=(8, 64, 64), **kw)
        with h5py.File(os.path.join(tmp, "read.h5"), "r") as f:
            for name in codecs:
                times = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    f[name][()]
                    times.append(time.perf_counter() - t0)
                size = f[name].id.get_storage_size() / 2**20
                out[f"read ms {name}"] = round(
                    statistics.median(times) * 1e3, 1
                )
                out[f"stored MiB {name}"] = round(size, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    codecs = {"gzip": 2, "lz4": "lz4", "zstd": "zstd"}
    models = {}
    for name, value in codecs.items():
        models[f"grid {name}"] = o._variant(
            f"Grid_{name}", COMPRESSION=value, **o.GRID
        )
        models[f"busy {name}"] = o._variant(
            f"Busy_{name}", COMPRESSION=value, BUSY_NS=20_000, **o.GRID
        )
    models["busy floor"] = o.GRID_BUSY_FLOOR
    runs: Dict[str, List[float]] = {k: [] for k in models}
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        for _ in range(args.rounds):
            for key, cls in models.items():
                runs[key].append(o.ns_per_step(cls, args.steps, 1, {}))
    med = {k: statistics.median(v) for k, v in runs.items()}
    out = {f"grid_per_iter {c}": round(med[f"grid {c}"]) for c in codecs}
    for c in codecs:
        out[f"grid_busy_write {c}"] = round(
            med[f"busy {c}"] - med["busy floor"]
        )
    out.update(read_figures(codecs))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
