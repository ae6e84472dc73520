"""Pytest plugin for ``run_pyx_mutants.py``: deselect the tests that run
on the pure-Python twins (``impl`` parameter ``py``); a mutant of the
compiled core cannot change their outcome, so they only cost time."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        (drop if params.get("impl") is True else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
