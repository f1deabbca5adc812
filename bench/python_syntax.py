"""Benchmark: the Python syntax signals against bare parsing, and the UDF's overhead in DuckDB.

    flock /tmp/winnow-bench.lock .venv/bin/python bench/python_syntax.py [--raw data/raw/default] [--repeat 1]

Input: the Python files (`language = 'python'`) of the default corpus's Parquet (standard library
and installed packages, `winnow ingest --default`), read with pyarrow. On the same text, one
thread unless said otherwise:

(a) `ast.parse` alone of every file the kernel parses (at most `python_syntax_max_bytes`, the
    byte order mark stripped, warnings silenced): the floor, as every signal needs the tree;
(b) `python_syntax_signals` called directly on 2,048-row Arrow vectors (one DuckDB vector each);
(c) the `winnow_python_syntax` UDF inside DuckDB (registered as the plugin does),
    `create table ... as select`, with 1 and with 2 threads (the kernel runs under the GIL).

Prints JSON: files, megabytes, seconds of each (best of `--repeat`), and the ratios b/a
(the signals' cost over parsing) and c/b (the UDF's overhead). Wall time: run it on an otherwise
idle machine (under the lock, so two benchmarks never overlap).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
import warnings
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from python_udfs.engine.plugin import register_udfs  # noqa: E402
from python_udfs.kernels.python_syntax import python_syntax_signals  # noqa: E402
from python_udfs.knobs import load_knobs  # noqa: E402

BATCH = 2048


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def python_files(raw: Path) -> pa.ChunkedArray:
    files = sorted(raw.glob("*.parquet"))
    if not files:
        raise SystemExit(f"no Parquet files in {raw}: run `make ingest` (or pass --raw)")
    table = pa.concat_tables(pq.read_table(f, columns=["content", "language"]) for f in files)
    table = table.filter(pc.and_(pc.equal(table["language"], "python"), pc.is_valid(table["content"])))
    return table["content"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw" / "default")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    max_bytes = load_knobs()["python_syntax_max_bytes"]["default"]

    content = python_files(args.raw).combine_chunks()
    sizes = pc.binary_length(content)
    megabytes = pc.sum(sizes).as_py() / 1e6
    parsed_texts = [
        text.removeprefix("\ufeff") for text, size in zip(content.to_pylist(), sizes.to_pylist()) if size <= max_bytes
    ]

    def bare_parse():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for text in parsed_texts:
                try:
                    ast.parse(text)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    pass

    batches = [content.slice(lo, BATCH) for lo in range(0, len(content), BATCH)]

    def direct():
        return [python_syntax_signals(batch, max_bytes) for batch in batches]

    bare_s = best_of(args.repeat, bare_parse)
    direct_s = best_of(args.repeat, direct)
    results = pa.chunked_array(direct())
    parsed = pc.sum(pc.cast(pc.struct_field(results, "parsed"), pa.int64())).as_py()

    con = duckdb.connect()
    register_udfs(con)
    files = pa.table({"content": content})  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute("create table files as select content from files")
    inside = {}
    for threads in (1, 2):
        con.execute(f"set threads = {threads}")

        def in_duckdb():
            con.execute(
                "create or replace table signals as select winnow_python_syntax(content, ?::bigint) as s from files",
                [max_bytes],
            )

        inside[threads] = best_of(args.repeat, in_duckdb)
    [(duck_parsed,)] = con.execute("select count(*) filter (where s.parsed) from signals").fetchall()
    assert duck_parsed == parsed, (duck_parsed, parsed)

    print(
        json.dumps(
            {
                "files": len(content),
                "megabytes": round(megabytes, 1),
                "files_parsed": parsed,
                "a_ast_parse_seconds": round(bare_s, 2),
                "b_kernel_direct_seconds": round(direct_s, 2),
                "c_udf_duckdb_1_thread_seconds": round(inside[1], 2),
                "c_udf_duckdb_2_threads_seconds": round(inside[2], 2),
                "b_over_a": round(direct_s / bare_s, 2),
                "c_over_b_1_thread": round(inside[1] / direct_s, 2),
                "c_over_b_2_threads": round(inside[2] / direct_s, 2),
                "kernel_mb_s": round(megabytes / direct_s, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
