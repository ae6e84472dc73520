"""Plotting benchmark data: cumulative timers and time per iteration.

The ``--plot`` output of ``python -m utopya_backend report``;
:mod:`.report` re-exports the public names.
"""

from __future__ import annotations

import os
from typing import Any, Dict

__all__ = ["plot_path", "plot"]


def plot_path(out: str) -> str:
    """The file :func:`plot` writes for ``out``: ``.png`` is added to a
    name without an extension, as matplotlib does.

    Raises:
        ValueError: If ``out`` names no visible file (empty, a
            directory, or a name starting with ``.``), which would write
            nothing or hidden ``.png.png`` files.
    """
    if not out:
        raise ValueError("--plot needs a file name such as report.png")
    name = os.path.basename(out)
    if os.path.isdir(out) or not name or name.startswith("."):
        where = out if os.path.isdir(out) else os.path.dirname(out)
        raise ValueError(
            f"--plot {out!r} names no visible file (a directory, or a "
            "name starting with '.'); give a file name such as "
            f"{os.path.join(where or '.', 'report.png')!r}"
        )
    return out if os.path.splitext(out)[1] else out + ".png"


def plot(loaded: Dict[str, Any], out_png: str) -> None:
    """Plot cumulative timers and time per iteration over n_iterations.

    Writes :func:`plot_path` of ``out_png``.

    Raises:
        ImportError: If matplotlib is not installed.
        OSError, ValueError: If the figure cannot be written there.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if loaded["kind"] == "run":
        # Small multiples, one panel per universe: legible for any number.
        from .plots import plot_sweep

        plot_sweep(loaded, plot_path(out_png), exact=True)
        return
    datas = [d for ds in loaded["items"].values() for d in ds]
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(8, 7), sharex=True, constrained_layout=True
    )
    single = len(datas) == 1
    for d in datas:
        if d.cumulative is None:
            continue
        tag = (
            "" if single else f" ({os.path.basename(os.path.dirname(d.path))})"
        )
        for i, name in enumerate(d.labels):
            ax1.plot(d.n_iterations, d.cumulative[:, i], label=name + tag)
        per = d.per_iteration()
        if per is not None:
            ax2.plot(
                per["n_iterations"],
                per["seconds"] * 1e6,
                label="full_iteration" + tag,
            )
    ax1.set_ylabel("cumulative time [s]")
    ax1.set_title("Cumulative benchmark timers")
    ax1.legend(fontsize="small", ncol=2)
    ax2.set_xlabel("n_iterations")
    ax2.set_ylabel("time per iteration [µs]")
    ax2.set_title("Time per iteration between data writes")
    if ax2.lines:
        ax2.legend(fontsize="small")
    try:
        fig.savefig(plot_path(out_png), dpi=110)
    finally:
        plt.close(fig)
