"""Which package wrote an output file: provenance attributes and their text.

utopya's wheel bundles the original ``utopya_backend``; a model run by an
interpreter without this package silently uses that copy. So every output
file records, as attributes of its root group, which distribution wrote it
(``utopya_backend.distribution``, ``.version``, ``.implementation``: ``c``
for the compiled core, ``python`` for its pure-Python twin), the host, and
under SLURM the node and job (``SLURMD_NODENAME``, ``SLURM_JOB_ID``, which
the frontend's worker processes inherit). The model log's first line says
the same, and ``report`` shows it for every file it reads.
"""

from __future__ import annotations

import glob
import os
import re
import socket
import sys
from typing import Any, Dict, Mapping, Optional

DISTRIBUTION = "utopya-backend"
# The package's version, here so that this module needs no import of the
# package itself (utopya_backend.__version__ is this).
VERSION = "0.1.0"
PREFIX = "utopya_backend."
UNKNOWN = "unknown (original utopya_backend?)"

__all__ = [
    "DISTRIBUTION",
    "UNKNOWN",
    "VERSION",
    "describe",
    "frontend_nodes",
    "info",
    "log_line",
    "read",
    "stamp",
]


def info(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """What this process records: distribution, version, implementation,
    Python version, host, and the SLURM node and job where set."""
    from ..core import _impl

    env = os.environ if environ is None else environ
    out = {
        "distribution": DISTRIBUTION,
        "version": VERSION,
        "implementation": str(_impl.IMPLEMENTATION),
        "python": "{}.{}.{}".format(*sys.version_info[:3]),
        "host": socket.gethostname(),
    }
    for key, var in (("node", "SLURMD_NODENAME"), ("job", "SLURM_JOB_ID")):
        if env.get(var):
            out[key] = str(env[var])
    return out


def log_line() -> str:
    """The model log's first line."""
    i = info()
    core = "compiled core" if i["implementation"] == "c" else "pure Python"
    return (
        f"{i['distribution']} {i['version']} ({core}, implementation "
        f"'{i['implementation']}', Python {i['python']})"
    )


def stamp(h5obj: Any) -> None:
    """Write the provenance attributes on ``h5obj`` (a file's root group);
    nothing if they are there already."""
    attrs = h5obj.attrs
    if PREFIX + "distribution" in attrs:
        return
    for key, value in info().items():
        attrs[PREFIX + key] = value


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def read(h5file: Any) -> Dict[str, str]:
    """The provenance attributes of an open file ({} if it has none)."""
    return {
        k[len(PREFIX) :]: _text(v)
        for k, v in h5file.attrs.items()
        if k.startswith(PREFIX)
    }


_UNI_DIR = re.compile(r"^uni\d+$")


def frontend_nodes(run_dir: str) -> Dict[str, str]:
    """Universe name -> node, from the report files utopya's frontend writes
    in cluster mode (``_report_<node>.txt`` in the run directory, one per
    node, listing the node name and the runtimes of its tasks)."""
    nodes: Dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "_report_*.txt"))):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        m = re.search(r"^\s*node name\s+(\S+)\s*$", text, re.M)
        node = m.group(1) if m else os.path.basename(path)[8:-4]
        # "Universe Runtimes" (or "Task ..."): one line per task of the node
        part = re.split(r"^\s*\w+ Runtimes\s*$", text, maxsplit=1, flags=re.M)
        if len(part) < 2:
            continue
        for line in part[1].splitlines():
            words = line.split()
            if words and _UNI_DIR.match(words[0]):
                nodes[words[0]] = node
    return nodes


def describe(path: str) -> str:
    """One line for ``report``: which package wrote the file at ``path``
    and, where known, on which node (from the file, else from the
    frontend's cluster-mode report files of its run directory)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            prov = read(f)
    except Exception:  # report's own reading names a damaged file
        prov = {}
    if prov.get("distribution"):
        text = (
            f"{prov['distribution']} {prov.get('version', '?')} "
            f"(implementation: {prov.get('implementation', '?')})"
        )
    else:
        text = UNKNOWN
    node = prov.get("node")
    uni_dir = os.path.dirname(os.path.abspath(path))
    if node is None and _UNI_DIR.match(os.path.basename(uni_dir)):
        run_dir = os.path.dirname(os.path.dirname(uni_dir))
        node = frontend_nodes(run_dir).get(os.path.basename(uni_dir))
    if node is not None:
        text += f", node {node}"
    elif prov.get("host"):
        text += f", host {prov['host']}"
    return "  produced by: " + text
