"""Model output: time series written at C speed, and their HDF5 layout.

:class:`TimeSeriesWriter` (made by a model's ``create_ts_writer``) buffers
rows in a compiled row buffer and writes them a block at a time; private
modules decide the layout (``_layout``), the block writes (``_sink``) and
when rows reach the file (``_sync``).
"""

from ._writer import TimeSeriesWriter

__all__ = ["TimeSeriesWriter"]
