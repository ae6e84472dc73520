"""Names the package, ``report`` and ``_stats`` hand out, and the version.

These modules only re-export names (mutmut makes no mutants of them;
``mutation/hand_stats.py`` checks them with hand-made ones).
"""

from __future__ import annotations

import os
import re

import utopya_backend
from utopya_backend.bench import _stats
from utopya_backend.reports import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _star(module: str) -> set:
    names: dict = {}
    exec(f"from {module} import *", names)
    return set(names) - {"__builtins__"}


def test_star_import_of_the_package_is_the_original_api():
    """What ``from utopya_backend import *`` gives in the original
    package: the model classes, the mixin, the tools and logging names."""
    assert _star("utopya_backend") == {
        "BaseModel",
        "StepwiseModel",
        "ModelBenchmarkMixin",
        "import_package_from_dir",
        "load_cfg_file",
        "backend_logger",
        "get_level",
        "LOG_LEVELS",
        "DEFAULT_LOG_FORMAT",
    }


def test_version_and_distribution_are_the_packaged_ones():
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        text = f.read()
    project = dict(re.findall(r'^(name|version) = "(.*)"$', text, re.M))
    assert utopya_backend.__version__ == project["version"]
    assert utopya_backend.__distribution__ == project["name"]


def test_report_hands_out_reading_and_formatting():
    assert _star("utopya_backend.reports.report") == {
        "ReportError",
        "BenchmarkData",
        "find_benchmarks",
        "load_path",
        "plot_path",
        "format_timer_rows",
        "timer_rows",
    }
    # The functions its API page documents are all there.
    for name in ("format_table", "universe_summary", "format_universes"):
        assert callable(getattr(report, name))
    for name in ("to_json", "plot"):
        assert callable(getattr(report, name))


def test_stats_star_import_is_the_layout_and_resources():
    names = _star("utopya_backend.bench._stats")
    assert "record_py" not in names
    assert {"TimerStats", "bucket_edges_ns", "process_resources"} <= names
    assert names == set(_stats.__all__)
