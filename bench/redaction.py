"""Benchmark: PII redaction throughput on real code, inside DuckDB and as the pure function.

    flock /tmp/winnow-bench.lock .venv/bin/python bench/redaction.py [--raw data/raw/default] [--repeat 3]

Input: the Python files of the default corpus (standard library + installed packages, ingested
with `winnow ingest --default`), read from its Parquet files. Measures, in one
run and on the same text:

1. `redact_pii` called directly on 2,048-row batches (one thread, as one DuckDB thread sees it);
2. the `winnow_redact_pii` UDF inside DuckDB, `create table ... as select winnow_redact_pii(...)`
   over the same rows, with 1 and with 2 threads (the UDF runs under the GIL, so 2 threads
   overlap only DuckDB's own work);
3. for reference, the RE2 prefilter pass alone (what every row pays) and the finding counts.

Prints JSON: megabytes, seconds and MB/s of each, best of `--repeat` runs. Wall time: run it
on an otherwise idle machine (under the lock, so two benchmarks never overlap).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from python_udfs.engine.plugin import register_udfs  # noqa: E402
from python_udfs.kernels.pii import PiiPolicy, redact_pii  # noqa: E402
from python_udfs.kernels.pii.redaction import _prefilters  # noqa: E402
from python_udfs.knobs import load_knobs  # noqa: E402

BATCH = 2048


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw" / "default")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(args.raw.glob("*.parquet"))
    if not files:
        raise SystemExit(f"no Parquet files in {args.raw}: run `make ingest` (or pass --raw)")

    con = duckdb.connect()
    register_udfs(con)
    con.execute(
        "create table files as select content from read_parquet(?) "
        "where lower(path) like '%.py' and content is not null and strlen(content) > 0",
        [[str(f) for f in files]],
    )
    content = con.sql("select content from files").to_arrow_table().column("content").combine_chunks()
    megabytes = pc.sum(pc.binary_length(content)).as_py() / 1e6
    knobs = load_knobs()  # the pipeline's policy: the defaults of the vars pii_*
    policy = PiiPolicy(
        placeholders=knobs["pii_placeholders"]["default"],
        example_domains=tuple(knobs["pii_example_domains"]["default"]),
        ip_allow_list=tuple(knobs["pii_ip_allow_list"]["default"]),
        keyword_min_entropy=knobs["pii_keyword_min_entropy"]["default"],
        keyword_min_length=knobs["pii_keyword_min_length"]["default"],
    )
    batches = [content.slice(lo, BATCH) for lo in range(0, len(content), BATCH)]

    def direct():
        return [redact_pii(batch, policy) for batch in batches]

    results = direct()
    findings = sum(pc.sum(pc.list_value_length(r.field("findings"))).as_py() or 0 for r in results)
    changed = sum(pc.sum(pc.greater(pc.list_value_length(r.field("findings")), 0)).as_py() or 0 for r in results)
    combined, _ = _prefilters(policy.keyword_min_length)
    prefilter_s = best_of(args.repeat, lambda: [pc.match_substring_regex(b, pattern=combined) for b in batches])
    direct_s = best_of(args.repeat, direct)

    policy_json = policy.to_json()
    inside = {}
    for threads in (1, 2):
        con.execute(f"set threads = {threads}")

        def in_duckdb():
            con.execute(
                "create or replace table redacted as select winnow_redact_pii(content, ?) as r from files",
                [policy_json],
            )

        inside[threads] = best_of(args.repeat, in_duckdb)
    [(duck_findings,)] = con.execute("select sum(len(r.findings)) from redacted").fetchall()
    assert duck_findings == findings, (duck_findings, findings)

    print(
        json.dumps(
            {
                "documents": len(content),
                "megabytes": round(megabytes, 1),
                "documents_with_findings": changed,
                "findings": findings,
                "prefilter_only_mb_s": round(megabytes / prefilter_s, 1),
                "direct_seconds": round(direct_s, 2),
                "direct_mb_s": round(megabytes / direct_s, 1),
                "duckdb_1_thread_seconds": round(inside[1], 2),
                "duckdb_1_thread_mb_s": round(megabytes / inside[1], 1),
                "duckdb_2_threads_seconds": round(inside[2], 2),
                "duckdb_2_threads_mb_s": round(megabytes / inside[2], 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
