"""Shared fixtures: the two core implementations, config files, signals."""

from __future__ import annotations

import dataclasses
import importlib
import os
import signal
import subprocess
import sys
import textwrap
from types import ModuleType
from typing import Any, Callable, Dict

import pytest
import yaml

from utopya_backend.core import _impl
from utopya_backend.signal import SIGNAL_INFO


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-c-extensions",
        action="store_true",
        default=False,
        help="Skip tests of the compiled core (for pure-Python installs)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    if not config.getoption("--no-c-extensions"):
        return
    skip = pytest.mark.skip(reason="--no-c-extensions given")
    for item in items:
        if "c_extension" in item.keywords:
            item.add_marker(skip)


@dataclasses.dataclass(frozen=True)
class Implementation:
    """One implementation of the core: compiled or pure Python."""

    is_pure_python: bool

    @property
    def timing(self) -> ModuleType:
        name = "_timing_py" if self.is_pure_python else "_timing"
        return importlib.import_module(f"utopya_backend.core.{name}")

    @property
    def loop(self) -> ModuleType:
        name = "_loop_py" if self.is_pure_python else "_loop"
        return importlib.import_module(f"utopya_backend.core.{name}")

    @property
    def rowbuffer(self) -> ModuleType:
        name = "_rowbuffer_py" if self.is_pure_python else "_rowbuffer"
        return importlib.import_module(f"utopya_backend.core.{name}")

    @property
    def deflate(self) -> ModuleType:
        name = "_deflate_py" if self.is_pure_python else "_deflate"
        return importlib.import_module(f"utopya_backend.core.{name}")


@pytest.fixture(
    scope="session",
    params=[
        pytest.param(False, marks=pytest.mark.c_extension, id="c"),
        pytest.param(True, id="py"),
    ],
)
def impl(request: pytest.FixtureRequest) -> Implementation:
    """Each core implementation in turn; the compiled one must import."""
    return Implementation(is_pure_python=request.param)


@pytest.fixture
def timing(impl: Implementation) -> ModuleType:
    """The timing module (``_timing`` or ``_timing_py``) under test."""
    return impl.timing


@pytest.fixture
def loop(impl: Implementation) -> ModuleType:
    """The run loop module (``_loop`` or ``_loop_py``) under test."""
    return impl.loop


@pytest.fixture
def rowbuffer(impl: Implementation) -> ModuleType:
    """The row buffer module (``_rowbuffer`` or ``_rowbuffer_py``)."""
    return impl.rowbuffer


@pytest.fixture
def use_impl(impl: Implementation, monkeypatch: pytest.MonkeyPatch):
    """Make the model layer and the mixin run on the given implementation."""
    for name in ("Timer", "monotonic_ns"):
        monkeypatch.setattr(_impl, name, getattr(impl.timing, name))
    for name in ("IterationTimers", "LoopCounters", "LoopPlan"):
        monkeypatch.setattr(_impl, name, getattr(impl.loop, name))
    for name in ("run_iterations",):
        monkeypatch.setattr(_impl, name, getattr(impl.loop, name))
    monkeypatch.setattr(_impl, "RowBuffer", impl.rowbuffer.RowBuffer)
    for name in ("DeflateRing", "write_chunk"):
        monkeypatch.setattr(_impl, name, getattr(impl.deflate, name))
    return impl


@pytest.fixture(autouse=True)
def _clean_signals():
    """Reset the signal record and the handlers around each test."""
    handlers = {
        s: signal.getsignal(s)
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)
    }
    SIGNAL_INFO.update(got_signal=False, signum=None, frame=None, at_time=None)
    yield
    SIGNAL_INFO.update(got_signal=False, signum=None, frame=None, at_time=None)
    for s, h in handlers.items():
        signal.signal(s, h)


@pytest.fixture
def make_cfg(tmp_path) -> Callable[..., str]:
    """Write a root config and return its path.

    Keyword arguments override root keys; ``model`` gives the model's own
    config; ``drop`` lists root keys to leave out.
    """
    counter = [0]

    def make(
        *, model: Any = None, drop: tuple = (), name: str = "MyModel", **kw
    ) -> str:
        counter[0] += 1
        n = counter[0]
        cfg: Dict[str, Any] = dict(
            root_model_name=name,
            output_path=str(tmp_path / f"out{n}.h5"),
            output_dir=str(tmp_path),
            seed=42,
            monitor_emit_interval=1000.0,
            log_levels=dict(model="warning", backend="warning"),
            num_steps=10,
            write_every=1,
            write_start=0,
        )
        cfg[name] = {} if model is None else model
        cfg.update(kw)
        for key in drop:
            cfg.pop(key, None)
        path = tmp_path / f"cfg{n}.yml"
        path.write_text(yaml.safe_dump(cfg))
        return str(path)

    return make


@pytest.fixture
def run_script(tmp_path):
    """Run a Python script in a subprocess with this interpreter."""
    import subprocess

    def run(code: str, *args: str, **kw: Any) -> subprocess.CompletedProcess:
        script = tmp_path / "script.py"
        script.write_text(code)
        return subprocess.run(
            [sys.executable, str(script), *args],
            capture_output=True,
            text=True,
            timeout=120,
            **kw,
        )

    return run


@pytest.fixture
def tmpfs(tmp_path) -> Any:
    """Mount a real small file system: ``tmpfs(size_mib)`` returns its path;
    unmounted at the end. Skips where mounting is not permitted (it is for
    root, here and in CI)."""
    mounts: list = []

    def mount(size_mib: int) -> str:
        mnt = tmp_path / f"disk{len(mounts)}"
        mnt.mkdir()
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        res = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", mnt],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
        mounts.append(mnt)
        return str(mnt)

    try:
        yield mount
    finally:
        for mnt in mounts:
            subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def load(tmp_path: Any) -> Callable[[str], Any]:
    """Load YAML text (dedented) through ``load_cfg_file``, as a config
    file would be."""

    def _load(text: str) -> Any:
        from utopya_backend import load_cfg_file

        p = tmp_path / "cfg.yml"
        p.write_text(textwrap.dedent(text))
        return load_cfg_file(str(p))

    return _load


@pytest.fixture
def value(load: Callable[[str], Any]) -> Callable[[str], Any]:
    """The value of one (tagged) YAML value, loaded as ``v: <text>``."""
    return lambda text: load(f"v: {text}\n")["v"]
