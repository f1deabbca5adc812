"""Small helpers shared by the UDF modules."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["as_array"]


def as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array: DuckDB hands Arrow UDFs ChunkedArrays."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values
