"""Type stubs of the compiled row buffer; mirrors ``_rowbuffer_py``."""

from typing import Any, Callable, Optional, Tuple

import numpy as np

__all__ = ["RowBuffer", "DEFAULT_BLOCK_BYTES"]

DEFAULT_BLOCK_BYTES: int

class RowBuffer:
    def __new__(
        cls,
        name: str,
        row_shape: Tuple[int, ...],
        dtype: Any,
        sink: Callable[[np.ndarray, Optional[np.ndarray]], Any],
        *,
        block_rows: Optional[int] = ...,
        max_rows: Optional[int] = ...,
        label_source: Any = ...,
        label_attr: str = ...,
        labelled: bool = ...,
    ) -> RowBuffer: ...
    def append(self, row: Any) -> None: ...
    def extend(self, rows: Any) -> None: ...
    def flush(self) -> int: ...
    def __len__(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def row_shape(self) -> Tuple[int, ...]: ...
    @property
    def dtype(self) -> np.dtype: ...
    @property
    def block_rows(self) -> int: ...
    @property
    def max_rows(self) -> Optional[int]: ...
    @property
    def labelled(self) -> bool: ...
    @property
    def n_pending(self) -> int: ...
    @property
    def n_written(self) -> int: ...
