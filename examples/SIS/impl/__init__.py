"""Implementation of the SIS example model."""

from .model import SIS

__all__ = ["SIS"]
