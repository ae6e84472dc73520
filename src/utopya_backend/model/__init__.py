"""Model base classes: :class:`BaseModel` and the fixed-step
:class:`StepwiseModel`."""

# isort: skip_file
from .base import BaseModel
from .step import StepwiseModel

__all__ = ["BaseModel", "StepwiseModel"]
