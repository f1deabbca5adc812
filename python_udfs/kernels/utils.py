"""Small helpers shared by the UDF modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa

__all__ = ["as_array", "checked_in_order"]


def as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array: DuckDB hands Arrow UDFs ChunkedArrays."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def checked_in_order(batches: Iterable[pa.RecordBatch], column: str) -> Iterator[pa.RecordBatch]:
    """The batches of an ordered query, passed on only while ``column`` strictly increases.

    With preserve_insertion_order = false and several threads, DuckDB 2.0 hands the batches of an
    ORDER BY out of order through a DB-API result's to_arrow_reader (a relation's reader keeps the
    order): a writer that relies on the order stops here rather than write shuffled output. On
    Spark it checks what a table function's ORDER BY handed over."""
    last = None
    for batch in batches:
        values = batch.column(column).to_numpy()
        if len(values) and ((last is not None and values[0] <= last) or (values[1:] <= values[:-1]).any()):
            raise RuntimeError(f"{column} arrived out of order from the engine; nothing was written from it")
        last = values[-1] if len(values) else last
        yield batch
