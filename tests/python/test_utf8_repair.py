"""The Spark staging repair of invalid UTF-8 gives exactly the text DuckDB's Parquet reader gives
(utf8_validation = 'replace'), checked against DuckDB itself on the same bytes."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_udfs.kernels.utf8_repair import duckdb_replaced_text, utf8_replaced

# Pieces whose mixtures reach every branch: ASCII, continuation bytes, every lead-byte class
# (2-, 3-, 4-byte, F5-F7 that claim four bytes, F8-FF that claim none), overlong and surrogate
# leads (C0/C1, E0 + 80-9F, ED + A0-BF, F4 + 90-BF), and valid multi-byte characters.
PIECES = [
    b"a", b" ", b"\n", b"\x80", b"\x8f", b"\x90", b"\x9f", b"\xa0", b"\xbf", b"\xc0", b"\xc1", b"\xc2",
    b"\xdf", b"\xe0", b"\xe2", b"\xed", b"\xef", b"\xf0", b"\xf4", b"\xf5", b"\xf7", b"\xf8", b"\xff",
    "é".encode(), "€".encode(), "😀".encode(),
]  # fmt: skip


def duckdb_reads(tmp_path, values: list[bytes]) -> list[str]:
    """What DuckDB's Parquet reader makes of ``values`` stored as (unvalidated) Parquet strings."""
    binary = pa.array(values, pa.binary())
    strings = pa.Array.from_buffers(pa.string(), len(values), binary.buffers())
    path = tmp_path / "strings.parquet"
    pq.write_table(pa.table({"i": pa.array(range(len(values))), "content": strings}), path)
    query = f"select content from read_parquet('{path}', utf8_validation = 'replace') order by i"
    return [row[0] for row in duckdb.sql(query).fetchall()]


def test_the_repair_equals_duckdbs_reader_on_random_bytes(tmp_path):
    rng = random.Random(20261130)
    values = [b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14))) for _ in range(20_000)]
    expected = duckdb_reads(tmp_path, values)
    different = [(v, e, duckdb_replaced_text(v)) for v, e in zip(values, expected) if duckdb_replaced_text(v) != e]
    assert not different, f"{len(different)} of {len(values)} differ, e.g. {different[:3]}"
    assert sum(e != v.decode("utf-8", "replace") for v, e in zip(values, expected)) > 10_000


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"ok \xff end", "ok ? end"),  # a byte that starts nothing
        (b"a\xe2\x82Ab", "a???b"),  # the ASCII byte that breaks a sequence goes with it
        (b"\xe2\x82", "??"),  # cut short by the end: each byte on its own
        (b"\xc0\xafz", "??z"),  # overlong
        (b"x\xed\xa0\x80y", "x???y"),  # a UTF-16 surrogate
        (b"\xf4\x90\x80\x80", "????"),  # above U+10FFFF
        (b"\xf5 \xf0\x9f\x98\x80", "??😀"),  # F5 claims four bytes, as DuckDB reads it
        ("déjà vu €".encode(), "déjà vu €"),
    ],
)
def test_edge_cases_match_duckdb(tmp_path, raw, text):
    assert duckdb_replaced_text(raw) == text
    assert duckdb_reads(tmp_path, [raw]) == [text]


def test_the_udf_keeps_nulls_and_valid_text():
    values = pa.chunked_array([pa.array([b"def f():\n    return 1\n", None, b"'\xff\xfe'"], pa.binary())])
    assert utf8_replaced(values).to_pylist() == ["def f():\n    return 1\n", None, "'??'"]
