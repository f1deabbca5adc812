"""Shard writers without dbt: dtype choice, the id check, atomic publication, stale-file cleanup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_udfs.export.shards import (
    ExportError,
    OutputDirInUse,
    claim_output_dir,
    export_intact,
    finish_mixture,
    remove_other_mixtures,
    start_mixture,
    token_dtype,
    write_split,
)
from python_udfs.kernels.packing import pack_concat

SEQ_LEN = 8


def windows_of(documents: list[list[int]]) -> list[pa.RecordBatch]:
    batch = pa.RecordBatch.from_pydict(
        {
            "position": pa.array(range(1, len(documents) + 1), pa.int64()),
            "input_ids": pa.array(documents, pa.list_(pa.int32())),
        }
    )
    return list(pack_concat([batch], seq_len=SEQ_LEN, eos_id=0, pad_id=4, tail="pad"))


def write(
    tmp_path: Path,
    documents,
    *,
    vocab_size=1000,
    formats=("parquet", "megatron", "npy", "nanogpt"),
    tokens_per_shard=SEQ_LEN * 2,
):
    windows = windows_of(documents)
    total = sum(b.num_rows for b in windows)
    start_mixture(tmp_path)
    files = write_split(
        iter(windows),
        tmp_path,
        "train",
        total_windows=total,
        formats=list(formats),
        vocab_size=vocab_size,
        seq_len=SEQ_LEN,
        tokens_per_shard=tokens_per_shard,
    )
    finish_mixture(tmp_path, files, {"files": [f.as_json() for f in files]})
    return files


def visible_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_uint16_up_to_65536_ids_then_uint32_and_nanogpt_refused_naming_the_var():
    assert token_dtype(65536, ["nanogpt"]) == np.uint16
    assert token_dtype(65537, ["parquet", "megatron"]) == np.uint32
    with pytest.raises(ExportError, match=r"var export_formats includes nanogpt.*65,536"):
        token_dtype(100_000, ["parquet", "nanogpt"])


def test_large_vocabularies_write_uint32_parquet_and_int32_megatron(tmp_path):
    write(tmp_path, [[70_000, 5, 6], [7] * 9], vocab_size=100_000, formats=("parquet", "megatron", "npy"))
    table = pq.read_table(tmp_path / "parquet" / "train-00000.parquet")
    assert table.schema.field("input_ids").type == pa.list_(pa.uint32())
    assert table["input_ids"][0].as_py()[0] == 70_000
    assert (tmp_path / "megatron" / "train-00000.idx").read_bytes()[17] == 4  # Megatron's int32 code
    assert np.load(tmp_path / "npy" / "train-00000.npy").dtype == np.uint32


def test_an_id_outside_the_vocabulary_stops_before_anything_is_published(tmp_path):
    with pytest.raises(ExportError, match="token id 1000 is outside the tokenizer's 1000 ids"):
        write(tmp_path, [[5, 6, 1000]], vocab_size=1000)
    assert not (tmp_path / "manifest.json").exists()
    assert visible_files(tmp_path) == set(), "not even a temporary file is left"


def test_shards_hold_whole_windows_and_a_rerun_removes_what_it_did_not_write(tmp_path):
    documents = [[9] * 20, [8] * 11, [7] * 3]
    files = write(tmp_path, documents, tokens_per_shard=SEQ_LEN * 2 + 3)
    parquet = [f for f in files if f.format == "parquet"]
    assert [f.sequences for f in parquet] == [2, 2, 1]  # 37 tokens with EOS: 5 windows, 2 per shard
    assert visible_files(tmp_path) == {f.path for f in files} | {"manifest.json"}
    (tmp_path / "parquet" / ".train-00009.parquet.partial").write_bytes(b"half")  # an interrupted run's leftover
    files = write(tmp_path, documents, formats=("parquet",), tokens_per_shard=SEQ_LEN * 10)
    assert visible_files(tmp_path) == {"parquet/train-00000.parquet", "manifest.json"}
    assert json.loads((tmp_path / "manifest.json").read_text())["files"][0]["sequences"] == 5


def test_unknown_format_names_the_var(tmp_path):
    with pytest.raises(ExportError, match="var export_formats names unknown formats \\['tfrecord'\\]"):
        write(tmp_path, [[1, 2]], formats=("tfrecord",))


def test_export_intact_until_a_listed_file_is_gone_edited_or_another_build_wrote_out(tmp_path):
    out, database = tmp_path / "out", str(tmp_path / "winnow.duckdb")
    mixture_dir = out / "pretrain"
    files = write(mixture_dir, [[9] * 20, [8] * 11, [7] * 3])
    listed = [f.as_json() for f in files]
    finish_mixture(
        mixture_dir,
        files,
        {"manifest_version": 1, "mixture": "pretrain", "files": listed, "build": {"database": database}},
    )
    # As fct_exported_shards records them: the mixture directory joined with the manifest's path.
    rows = [{**f.as_json(), "mixture": "pretrain", "path": (mixture_dir / f.path).as_posix()} for f in files]
    assert export_intact(out, database, rows)
    assert not export_intact(out, database, rows[1:]), "the manifest lists a file the table does not"
    assert not export_intact(out, database, [{**r, "mixture": "other"} for r in rows])
    assert not export_intact(out, str(tmp_path / "other.duckdb"), rows), "another database's manifest"

    megatron_bin = mixture_dir / files[[f.format for f in files].index("megatron")].path
    original = megatron_bin.read_bytes()
    megatron_bin.write_bytes(original[:-2])
    assert not export_intact(out, database, rows)
    # Same size, same mtime, other bytes.
    stat = megatron_bin.stat()
    megatron_bin.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    os.utime(megatron_bin, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert not export_intact(out, database, rows)
    megatron_bin.write_bytes(original)
    assert export_intact(out, database, rows)
    megatron_bin.unlink()
    assert not export_intact(out, database, rows)
    megatron_bin.write_bytes(original)
    write(out / "dropped", [[5] * 9])
    assert not export_intact(out, database, rows), "a mixture this build does not describe"
    assert remove_other_mixtures(out, ["pretrain"]) == ["dropped"]
    assert export_intact(out, database, rows)
    (mixture_dir / "manifest.json").write_text("{not json")
    assert not export_intact(out, database, rows)


def test_other_mixtures_lose_what_winnow_wrote_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    for mixture in ("kept", "dropped", "dropped_with_notes"):
        files = write(out / mixture, [[9] * 20, [8] * 11])
        finish_mixture(
            out / mixture, files, {"manifest_version": 1, "mixture": mixture, "files": [f.as_json() for f in files]}
        )
    (out / "dropped_with_notes" / "notes.txt").write_text("mine")
    (out / "dropped_with_notes" / "npy" / "mine.npy").write_bytes(b"mine")
    (out / "dropped" / "parquet" / ".train-00007.parquet.partial").write_bytes(b"interrupted")
    (out / "user").mkdir()
    (out / "user" / "manifest.json").write_text('{"files": []}')
    (out / "tokenizer.json").write_text("{}")
    kept = visible_files(out / "kept")

    assert remove_other_mixtures(out, ["kept", "absent"]) == ["dropped", "dropped_with_notes"]
    assert not (out / "dropped").exists()
    assert visible_files(out / "dropped_with_notes") == {"notes.txt", "npy/mine.npy"}
    assert visible_files(out / "kept") == kept
    assert visible_files(out / "user") == {"manifest.json"} and (out / "tokenizer.json").exists()


def test_a_second_process_claiming_the_output_dir_is_refused_naming_the_holder(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from python_udfs.export.shards import claim_output_dir; "
            f"claim_output_dir({str(out)!r}, 'first.duckdb', 'first-invocation'); print('claimed', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "claimed\n"
        with pytest.raises(OutputDirInUse) as refused:
            claim_output_dir(out, "second.duckdb", "second-invocation")
        message = str(refused.value)
        assert f"database {os.path.abspath('first.duckdb')}, pid {holder.pid}" in message
        assert "first-invocation" in message and "output_dir" in message
    finally:
        holder.communicate("")
    # The lock goes with the process that held it, however it ended.
    claimed = claim_output_dir(out, "second.duckdb", "second-invocation")
    assert claimed == {
        "database": os.path.abspath("second.duckdb"),
        "pid": os.getpid(),
        "invocation_id": "second-invocation",
    }
    assert claim_output_dir(out, "second.duckdb", "again") == claimed
