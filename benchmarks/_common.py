"""Helpers shared by the benchmark suites."""

import contextlib
import importlib
import logging
import os
import tempfile

import yaml

from utopya_backend import ModelBenchmarkMixin, StepwiseModel

logging.disable(logging.INFO)


def timing_module(impl):
    """The compiled timing core (``c``) or its Python twin (``py``)."""
    name = "_timing" if impl == "c" else "_timing_py"
    try:
        return importlib.import_module(f"utopya_backend.core.{name}")
    except ImportError:
        raise NotImplementedError(f"{name} is not available") from None


@contextlib.contextmanager
def _quiet():
    """Send monitor lines (stdout) to /dev/null."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


class Plain(StepwiseModel):
    """A model whose step costs next to nothing: the loop is all we see."""

    def setup(self, **_):
        self.x = 0

    def perform_step(self):
        self.x += 1

    def write_data(self):
        pass


class Bench(ModelBenchmarkMixin, Plain):
    """Plain with benchmarking."""


class Model:
    """Create a model in a temporary directory, ready to run."""

    def __init__(self, cls, n, write_every, model_cfg=None):
        self.tmp = tempfile.TemporaryDirectory()
        cfg = dict(
            root_model_name="M",
            output_path=os.path.join(self.tmp.name, "out.h5"),
            output_dir=self.tmp.name,
            seed=42,
            monitor_emit_interval=2.0,
            log_levels=dict(model="warning", backend="warning"),
            num_steps=n,
            write_every=write_every,
            M=dict(model_cfg or {}),
        )
        path = os.path.join(self.tmp.name, "cfg.yml")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f)
        with _quiet():
            self.model = cls(cfg_file_path=path)

    def run(self):
        with _quiet():
            self.model.run()

    def close(self):
        del self.model
        self.tmp.cleanup()
