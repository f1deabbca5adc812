"""The Spark table functions of the step models, driven as Spark drives them (one instance per
partition: ``eval`` per row in order, then ``terminate``) without a JVM: they give the step's own
output, and the pushed stream under packing keeps order, ends and errors."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from python_udfs.engine.pushed_stream import PushedStream
from python_udfs.engine.spark_steps import BATCH_ROWS, PackWindows
from python_udfs.steps.packing import DOCUMENT_SCHEMA, SCHEMA, PackingKnobs, pack_split
from tests.conftest import stdlib_files


def documents() -> list[list[int]]:
    """Real code as token ids: the UTF-8 bytes (+ 5, clear of EOS and pad) of standard-library files."""
    files = stdlib_files("json") + stdlib_files("email")
    return [[b + 5 for b in path.read_bytes()[:3000]] for path in files]


def drive(udtf, rows: list[dict], *arguments) -> list[tuple]:
    out = []
    for row in rows:
        out += list(udtf.eval(row, *arguments) or [])
    return out + list(udtf.terminate() or [])


@pytest.mark.parametrize(("strategy", "tail"), [("concat", "drop"), ("concat", "pad"), ("best_fit", "pad")])
def test_pack_windows_gives_the_windows_of_the_packing_step(strategy, tail):
    docs = documents()
    knobs = {"seq_len": 512, "strategy": strategy, "tail": tail, "block_tokens": 20_000}
    rows = [
        {"mixture": "m", "split": "train", "position": i, "input_ids": ids, "eos_id": 0, "pad_id": 4}
        for i, ids in enumerate(docs * 10)
    ]
    got = drive(PackWindows(), rows, json.dumps(knobs))
    batch = pa.RecordBatch.from_pylist(
        [{"position": r["position"], "input_ids": r["input_ids"]} for r in rows], DOCUMENT_SCHEMA
    )
    expected = [
        tuple(window[name] for name in SCHEMA.names)
        for out in pack_split("m", "train", iter([batch]), PackingKnobs(**knobs, eos_id=0, pad_id=4))
        for window in out.to_pylist()
    ]
    assert len(rows) > BATCH_ROWS and len(expected) > 100
    assert got == expected


def test_pack_windows_of_no_rows_gives_nothing():
    assert drive(PackWindows(), [], "{}") == []


def running_sums(items):
    total = 0
    for item in items:
        total += item
        if item % 7 == 0:
            yield total


def test_pushed_stream_gives_the_outputs_of_pulling_in_order():
    stream, out = PushedStream(running_sums), []
    for item in range(1, 200):
        out += stream.push(item)
    out += stream.finish()
    assert out == list(running_sums(range(1, 200)))


def test_pushed_stream_raises_the_error_of_the_step():
    def failing(items):
        for item in items:
            if item == 50:
                raise ValueError("document 50 has NULL input_ids")
            yield item

    stream = PushedStream(failing)
    with pytest.raises(ValueError, match="document 50"):
        for item in range(100):
            stream.push(item)
        stream.finish()


def test_pushed_stream_refuses_input_a_finished_step_cannot_read():
    stream = PushedStream(lambda items: [next(items)])
    with pytest.raises(RuntimeError, match="stopped before reading all its input"):
        for item in range(100):
            stream.push(item)
        stream.finish()


def test_pack_windows_refuses_documents_out_of_order():
    knobs = {"seq_len": 512, "strategy": "concat", "tail": "pad", "block_tokens": 20_000}
    rows = [
        {"mixture": "m", "split": "train", "position": position, "input_ids": ids, "eos_id": 0, "pad_id": 4}
        for position, ids in zip([3, 1, 2], documents())
    ]
    with pytest.raises(RuntimeError, match="position arrived out of order"):
        drive(PackWindows(), rows, json.dumps(knobs))


@pytest.mark.parametrize("pattern", ["d", "d/*", "d/**/*.parquet", "d/**"])
def test_raw_inputs_glob_lists_the_files_duckdb_glob_lists(tmp_path, pattern):
    """The export's raw inputs off DuckDB (Python's glob) name the files DuckDB's glob() names:
    files only, hidden ones too, recursive **, in path order; a directory stands for every file
    under it (a Software Heritage export's root)."""
    import duckdb

    from python_udfs.steps.export import raw_inputs

    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / ".hidden").mkdir()
    for name in ("d/a.parquet", "d/sub/b.parquet", "d/sub/c.parquet", "d/.b.parquet", "d/.hidden/e.parquet"):
        (tmp_path / name).write_bytes(name.encode())

    def duckdb_glob(pattern):
        return [path for (path,) in duckdb.sql("select file from glob($1) order by file", params=[pattern]).fetchall()]

    source = [{"source_name": "code", "parquet_glob": str(tmp_path / pattern)}]
    listed = raw_inputs(source, str(tmp_path))
    assert listed == raw_inputs(source, str(tmp_path), duckdb_glob)
    assert {"d/.b.parquet", "d/sub/b.parquet"} & {row["path"] for row in listed}
    if pattern in ("d", "d/**"):
        assert len(listed) == 5
