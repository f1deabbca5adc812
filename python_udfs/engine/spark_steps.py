"""The engine-neutral steps (``python_udfs.steps``) as Spark Python UDTFs, one per dbt Python model.

Open-source dbt-spark cannot run dbt Python models and Spark SQL cannot define Python functions,
so on Spark each of those models is a SQL model of the same name that calls one of these table
functions over a TABLE argument (``PARTITION BY`` / ``ORDER BY`` in the SQL): Spark hands a new
instance the rows of one partition in order (``eval``), then its end (``terminate``). The
runner registers them (``spark.register_table_functions``). Knobs arrive as one JSON string.

The steps pull their input while Spark pushes rows: packing runs in a thread fed batch by batch
(``pushed_stream.PushedStream``), so a partition streams through; the tokenizer's samples (bounded
by vars tokenizer_train_bytes and tokenizer_engine_check_bytes) are held until ``terminate``, as
the step reads them more than once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyarrow as pa

from ..kernels.packing import WINDOW_SCHEMA
from ..kernels.utils import checked_in_order
from ..steps.export import SCHEMA as SHARDS_SCHEMA
from ..steps.export import export_stream
from ..steps.packing import DOCUMENT_SCHEMA, PackingKnobs, pack_split
from ..steps.packing import SCHEMA as WINDOWS_SCHEMA
from ..steps.tokenizer import SCHEMA as TOKENIZER_SCHEMA
from ..steps.tokenizer import TokenizerKnobs, prepare_tokenizer
from .pushed_stream import PushedStream

BATCH_ROWS = 256
TEXT_BATCH_ROWS = 512


class PackWindows:
    """``winnow_pack_windows(table(select mixture, split, position, input_ids, eos_id, pad_id ...)
    partition by (mixture, split) order by (position), knobs_json)``: the windows of
    fct_packed_sequences (every row carries the tokenizer's EOS and pad ids). Documents stream
    through the packing step in batches of BATCH_ROWS; windows come out as they are made."""

    def __init__(self):
        self.stream: PushedStream | None = None
        self.positions: list[int] = []
        self.ids: list[list[int]] = []

    def _push(self):
        batch = pa.RecordBatch.from_arrays(
            [pa.array(self.positions, pa.int64()), pa.array(self.ids, pa.list_(pa.int32()))], schema=DOCUMENT_SCHEMA
        )
        self.positions, self.ids = [], []
        return _window_rows(self.stream.push(batch))

    def eval(self, row, knobs_json: str):
        if self.stream is None:
            mixture, split = row["mixture"], row["split"]
            knobs = PackingKnobs(**json.loads(knobs_json), eos_id=row["eos_id"], pad_id=row["pad_id"])
            self.stream = PushedStream(
                lambda documents: pack_split(mixture, split, checked_in_order(documents, "position"), knobs)
            )
        self.positions.append(row["position"])
        self.ids.append(row["input_ids"])
        if len(self.positions) >= BATCH_ROWS:
            yield from self._push()

    def terminate(self):
        if self.stream is None:
            return
        if self.positions:
            yield from self._push()
        yield from _window_rows(self.stream.finish())


def _window_rows(batches):
    for batch in batches:
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


class ExportShards:
    """``winnow_export_shards(table(...) with single partition order by (part, mixture, split,
    window_index), knobs_json, context_json)``: the rows of fct_exported_shards, writing the
    shards. The first row (part 0) carries the manifest's inputs as JSON (``inputs_json``; the
    vars, project root and build come in ``context_json``); the windows (part 1) follow in
    mixture, split and window order and stream into the export step."""

    def __init__(self):
        self.stream: PushedStream | None = None
        self.key = None
        self.windows: list[dict] = []

    def _push(self):
        if not self.windows:
            return []
        batch = pa.RecordBatch.from_pylist(self.windows, schema=WINDOW_SCHEMA)
        self.windows = []
        return self.stream.push((*self.key, batch))

    def eval(self, row, knobs_json: str, context_json: str):
        if row["part"] == 0:
            knobs, inputs = json.loads(knobs_json), {**json.loads(row["inputs_json"]), **json.loads(context_json)}
            self.stream = PushedStream(lambda batches: export_stream(batches, knobs, inputs))
            return
        key = (row["mixture"], row["split"])
        if key != self.key or len(self.windows) >= BATCH_ROWS:
            yield from _shard_rows(self._push())
            self.key = key
        self.windows.append({name: row[name] for name in WINDOW_SCHEMA.names})

    def terminate(self):
        if self.stream is None:
            return
        yield from _shard_rows(self._push())
        yield from _shard_rows(self.stream.finish())


def _shard_rows(rows):
    for row in rows:
        yield tuple(row[name] for name in SHARDS_SCHEMA.names)


@dataclass(frozen=True)
class TableFunction:
    name: str
    cls: type
    schema: pa.Schema


TABLE_FUNCTIONS = (
    TableFunction("winnow_pack_windows", PackWindows, WINDOWS_SCHEMA),
    TableFunction("winnow_prepare_tokenizer", PrepareTokenizer, TOKENIZER_SCHEMA),
    TableFunction("winnow_export_shards", ExportShards, SHARDS_SCHEMA),
)
