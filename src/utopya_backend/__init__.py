"""Fast drop-in ``utopya_backend``: build Python models run by utopya.

Model base classes (:class:`BaseModel`, :class:`StepwiseModel`), a
benchmarking mixin on a compiled timing core (:class:`ModelBenchmarkMixin`),
logging, signal handling and config tools.
"""

# isort: skip_file
from .logging import DEFAULT_LOG_FORMAT, LOG_LEVELS, backend_logger, get_level
from .model import BaseModel, StepwiseModel
from .tools import import_package_from_dir, load_cfg_file
from .benchmark import ModelBenchmarkMixin

from .io._provenance import VERSION as __version__  # noqa: F401

__distribution__ = "utopya-backend"

__all__ = [
    "BaseModel",
    "StepwiseModel",
    "ModelBenchmarkMixin",
    "import_package_from_dir",
    "load_cfg_file",
    "backend_logger",
    "get_level",
    "LOG_LEVELS",
    "DEFAULT_LOG_FORMAT",
]
