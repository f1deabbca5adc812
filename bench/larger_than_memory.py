"""Benchmark: a raw corpus several times larger than DuckDB's memory_limit, built end to end.

    .venv/bin/python bench/larger_than_memory.py [--copies 23] [--memory-limit 1GB] [--work data/bench/ltm]

1. Ingests the default corpus (standard library + installed packages, ~130 MB) once.
2. Derives `--copies` mutated copies of every file (bench/mutated_copies.py: exact copies, light
   and heavy edits), written as extra raw Parquet parts. With 23 copies the raw corpus is 3.78 GB
   of real-looking code (268,440 files).
3. Runs `dbt build` with WINNOW_MEMORY_LIMIT and 2 threads, sampling the temp directory's size and
   the RSS of dbt's process tree, and reports wall time, peak RSS, the nodes that ran when the RSS peaked
   (so DuckDB's share, bounded by the limit, can be told from the Python UDFs' and models'), peak
   spill and the funnel.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import dbt_build_sampled, node_intervals  # noqa: E402
from bench.mutated_copies import write_mutated_copies  # noqa: E402
from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input  # noqa: E402
from tests.conftest import DirectoryPeak, make_dbt_project  # noqa: E402


def peak_rss_by_node(samples: list[tuple[float, float]], run_results: Path, count: int = 10) -> list[dict]:
    """The highest RSS sampled while each dbt node executed (from run_results.json's timings),
    the top `count` nodes, with the nodes that ran beside it at that moment (2 threads)."""
    intervals = [(node.split(".", 2)[-1], start, stop) for node, start, stop in node_intervals(run_results)]
    peaks = {}
    for moment, mb in samples:
        running = [name for name, start, stop in intervals if start <= moment <= stop]
        for name in running:
            if mb > peaks.get(name, (0, []))[0]:
                peaks[name] = (mb, sorted(set(running) - {name}))
    top = sorted(peaks.items(), key=lambda item: -item[1][0])[:count]
    return [{"node": name, "peak_rss_mb": round(mb), "running_beside": beside} for name, (mb, beside) in top]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "larger_than_memory")
    parser.add_argument("--copies", type=int, default=23)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    work = args.work.resolve()
    raw = work / "raw"
    if not (raw / "part-00000.parquet").exists():
        ingest([stdlib_input(), *distribution_inputs()], raw, progress=False)
    original_bytes = sum(
        sum(pq.read_table(p, columns=["n_bytes"]).column(0).to_pylist()) for p in raw.glob("part-*.parquet")
    )
    mutated_bytes = write_mutated_copies(raw, args.copies, workers=args.threads)

    shutil.rmtree(work / "project", ignore_errors=True)
    project = make_dbt_project(work / "project")
    project.write_sources(
        [{"source_name": "default", "parquet_glob": f"{raw}/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    dbt = str(Path(sys.executable).parent / "dbt")
    env = {
        "WINNOW_DB": str(project.root / "winnow.duckdb"),
        "WINNOW_TEMP_DIR": str(work / "tmp"),
        "WINNOW_THREADS": str(args.threads),
        "WINNOW_MEMORY_LIMIT": args.memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
    }
    start = time.perf_counter()
    with DirectoryPeak(work / "tmp") as spill:
        process, output, rss = dbt_build_sampled(dbt, project.root, env)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{output[-5000:]}")
    peak_rss_mb = rss.peak_mb
    by_node = peak_rss_by_node(rss.samples, project.root / "target" / "run_results.json")
    with duckdb.connect(str(project.root / "winnow.duckdb"), read_only=True) as con:
        funnel = con.sql("select * from rpt_funnel").fetchall()
        columns = [c[0] for c in con.sql("select * from rpt_funnel limit 0").description]
    print(
        json.dumps(
            {
                "raw_gb": round((original_bytes + mutated_bytes) / 1e9, 2),
                "memory_limit": args.memory_limit,
                "threads": args.threads,
                "build_seconds": round(seconds, 1),
                "peak_rss_mb": round(peak_rss_mb),
                "peak_rss_by_node": by_node,
                "peak_spill_mb": round(spill.peak_bytes / 1e6),
                "database_mb": round((project.root / "winnow.duckdb").stat().st_size / 1e6),
                "funnel": [dict(zip(columns, row)) for row in funnel],
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
