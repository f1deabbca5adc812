"""Packing step of fct_packed_sequences: one mixture's documents of one split, in mixture order,
into windows (``python_udfs.kernels.packing``), each window row carrying its mixture and split.

DuckDB's dbt Python model calls it once per (mixture, split) over batches read from an ordered
query; on Spark a UDTF calls it once per partition (PARTITION BY mixture, split ORDER BY position).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from ..kernels.packing import WINDOW_SCHEMA, pack

SCHEMA = pa.schema([("mixture", pa.string()), ("split", pa.string()), *WINDOW_SCHEMA])
# What the step reads of each document.
DOCUMENT_SCHEMA = pa.schema([("position", pa.int64()), ("input_ids", pa.list_(pa.int32()))])


@dataclass(frozen=True)
class PackingKnobs:
    """Vars seq_len, packing_strategy, packing_tail, packing_best_fit_block_tokens, and the ids of
    the tokenizer's EOS and pad tokens (pad falls back to EOS)."""

    seq_len: int
    strategy: str
    tail: str
    block_tokens: int
    eos_id: int
    pad_id: int


def pack_split(
    mixture: str, split: str, documents: Iterable[pa.RecordBatch], knobs: PackingKnobs
) -> Iterator[pa.RecordBatch]:
    """The windows (``SCHEMA``) of one mixture's documents of one split, given as record batches
    of ``position`` and ``input_ids`` in position order."""
    for batch in pack(
        documents,
        knobs.strategy,
        seq_len=knobs.seq_len,
        eos_id=knobs.eos_id,
        pad_id=knobs.pad_id,
        tail=knobs.tail,
        block_tokens=knobs.block_tokens,
    ):
        yield pa.RecordBatch.from_arrays(
            [
                pa.array([mixture] * batch.num_rows, pa.string()),
                pa.array([split] * batch.num_rows, pa.string()),
                *batch.columns,
            ],
            schema=SCHEMA,
        )
