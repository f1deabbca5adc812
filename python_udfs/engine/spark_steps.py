"""The engine-neutral steps (``python_udfs.steps``) as Spark Python UDTFs, one per dbt Python model.

Open-source dbt-spark cannot run dbt Python models and Spark SQL cannot define Python functions,
so on Spark each of those models is a SQL model of the same name that calls one of these table
functions over a TABLE argument (``PARTITION BY`` / ``ORDER BY`` in the SQL): Spark hands a new
instance the rows of one partition in order (``eval``), and the step runs in ``terminate``. The
runner registers them (``spark.register_table_functions``). Knobs arrive as one JSON string.

Each partition's input is held by the instance until ``terminate`` (as Arrow batches for packing,
the sample texts for the tokenizer, which var tokenizer_train_bytes bounds), because the steps
pull their input; on a cluster one (mixture, split) of packing then has to fit in one Python
worker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyarrow as pa

from ..steps.packing import DOCUMENT_SCHEMA, SCHEMA as WINDOWS_SCHEMA, PackingKnobs, pack_split
from ..steps.tokenizer import SCHEMA as TOKENIZER_SCHEMA, TokenizerKnobs, prepare_tokenizer

BATCH_ROWS = 256
TEXT_BATCH_ROWS = 512


class PackWindows:
    """``winnow_pack_windows(table(select mixture, split, position, input_ids, eos_id, pad_id ...)
    partition by (mixture, split) order by (position), knobs_json)``: the windows of
    fct_packed_sequences (every row carries the tokenizer's EOS and pad ids)."""

    def __init__(self):
        self.key = None
        self.knobs = None
        self.batches: list[pa.RecordBatch] = []
        self.positions: list[int] = []
        self.ids: list[list[int]] = []

    def _flush(self):
        if self.positions:
            self.batches.append(pa.RecordBatch.from_arrays([pa.array(self.positions, pa.int64()), pa.array(self.ids, pa.list_(pa.int32()))], schema=DOCUMENT_SCHEMA))
            self.positions, self.ids = [], []

    def eval(self, row, knobs_json: str):
        if self.key is None:
            self.key = (row["mixture"], row["split"])
            self.knobs = PackingKnobs(**json.loads(knobs_json), eos_id=row["eos_id"], pad_id=row["pad_id"])
        self.positions.append(row["position"])
        self.ids.append(row["input_ids"])
        if len(self.positions) >= BATCH_ROWS:
            self._flush()

    def terminate(self):
        if self.key is None:
            return
        self._flush()
        mixture, split = self.key
        batches, self.batches = self.batches, []
        for batch in pack_split(mixture, split, iter(batches), self.knobs):
            for window in batch.to_pylist():
                yield tuple(window[name] for name in WINDOWS_SCHEMA.names)


class PrepareTokenizer:
    """``winnow_prepare_tokenizer(table(select purpose, sample_rank, content ...) with single
    partition order by (purpose, sample_rank), knobs_json)``: the one row of int_tokenizer_prepared.
    A row with a NULL purpose carries no text: it makes sure the function runs on an empty sample."""

    def __init__(self):
        self.knobs = None
        self.texts: dict[str, list[str]] = {"train": [], "engine_check": []}

    def eval(self, row, knobs_json: str):
        self.knobs = self.knobs or TokenizerKnobs.from_json(knobs_json)
        if row["purpose"] is not None:
            self.texts[row["purpose"]].append(row["content"])

    def terminate(self):
        if self.knobs is None:
            return

        def texts(purpose):
            sample = self.texts[purpose]
            for start in range(0, len(sample), TEXT_BATCH_ROWS):
                yield sample[start : start + TEXT_BATCH_ROWS]

        row = prepare_tokenizer(texts, self.knobs)
        yield tuple(row[name] for name in TOKENIZER_SCHEMA.names)


@dataclass(frozen=True)
class TableFunction:
    name: str
    cls: type
    schema: pa.Schema


TABLE_FUNCTIONS = (
    TableFunction("winnow_pack_windows", PackWindows, WINDOWS_SCHEMA),
    TableFunction("winnow_prepare_tokenizer", PrepareTokenizer, TOKENIZER_SCHEMA),
)
