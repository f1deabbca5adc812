"""Benchmark: a raw corpus several times larger than DuckDB's memory_limit, built end to end.

    .venv/bin/python bench/larger_than_memory.py [--copies 23] [--memory-limit 1GB] [--work data/bench/ltm]

1. Ingests the default corpus (standard library + installed packages, ~130 MB) once.
2. Derives `--copies` mutated copies of every file, written as extra raw Parquet parts: each copy
   of a file is, by a stable hash of (copy, path), an exact copy (10%), a light edit (60%: one
   identifier renamed everywhere and a few lines dropped) or a heavy edit (30%: half of the lines
   dropped in runs and identifiers renamed), so exact dedup, near dedup and the filters all have
   real work. With 23 copies the raw corpus is 3.78 GB of real-looking code (268,440 files).
3. Runs `dbt build` with WINNOW_MEMORY_LIMIT and 2 threads, sampling the temp directory's size and
   the dbt process's RSS, and reports wall time, peak RSS, the nodes that ran when the RSS peaked
   (so DuckDB's share, bounded by the limit, can be told from the Python UDFs' and models'), peak
   spill and the funnel.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from python_udfs.cli.ingest import (  # noqa: E402
    RAW_SCHEMA,
    ROW_GROUP_MAX_BYTES,
    ROW_GROUP_MAX_ROWS,
    distribution_inputs,
    ingest,
    row_group_bounds,
    stdlib_input,
)
from tests.conftest import DirectoryPeak, PeriodicSampler, make_dbt_project  # noqa: E402

IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{3,}\b")


def _uniform(*parts: object) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def mutate(text: str, path: str, copy: int) -> str:
    """A deterministic variant of one file for one copy (see the module docstring)."""
    kind = _uniform("kind", copy, path)
    if kind < 0.1:
        return text
    lines = text.split("\n")
    names = sorted(set(IDENTIFIER.findall(text)))
    renames = 1 if kind < 0.7 else 4
    for r in range(min(renames, len(names))):
        name = names[int(_uniform("name", copy, path, r) * len(names))]
        text_lines = "\n".join(lines)
        lines = re.sub(rf"\b{re.escape(name)}\b", f"{name}_v{copy}", text_lines).split("\n")
    drop_share = 0.03 if kind < 0.7 else 0.5
    run = 1 if kind < 0.7 else 8
    kept = [line for i, line in enumerate(lines) if _uniform("drop", copy, path, i // run) >= drop_share]
    return "\n".join(kept)


def _write_mutated_part(original: Path, out: Path, copy: int) -> int:
    """One mutated copy of one ingested part file; returns the bytes of text it holds."""
    if out.exists():
        return sum(pq.read_table(out, columns=["n_bytes"]).column(0).to_pylist())
    table = pq.read_table(original)
    contents = [
        mutate(text, path, copy)
        for text, path in zip(table.column("content").to_pylist(), table.column("path").to_pylist())
    ]
    sizes = [len(c.encode()) for c in contents]
    table = (
        table.set_column(table.schema.get_field_index("content"), "content", pa.array(contents, pa.string()))
        .set_column(table.schema.get_field_index("n_bytes"), "n_bytes", pa.array(sizes, pa.int64()))
        .set_column(
            table.schema.get_field_index("repo"),
            "repo",
            pa.array([f"mutant-{copy}/{r}" for r in table.column("repo").to_pylist()], pa.string()),
        )
    ).cast(RAW_SCHEMA)
    partial = out.with_suffix(".tmp")
    with pq.ParquetWriter(partial, RAW_SCHEMA, compression="zstd") as writer:
        for start, stop in row_group_bounds(sizes, ROW_GROUP_MAX_ROWS, ROW_GROUP_MAX_BYTES):
            writer.write_table(table.slice(start, stop - start), row_group_size=stop - start)
    partial.rename(out)
    return sum(sizes)


def write_mutated_copies(raw: Path, copies: int, workers: int = 1) -> int:
    """Writes part files of mutated copies next to the ingested parts (in `workers` processes; each
    file depends only on its copy and original, so the result is the same); returns bytes written."""
    originals = sorted(raw.glob("part-*.parquet"))
    tasks = [
        (original, raw / f"mutant-{copy:03d}-{number:05d}.parquet", copy)
        for copy in range(1, copies + 1)
        for number, original in enumerate(originals)
    ]
    if workers <= 1:
        return sum(_write_mutated_part(*task) for task in tasks)
    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(_write_mutated_part, *zip(*tasks)))


class RssTimeline(PeriodicSampler):
    """Samples a process's resident set size (VmRSS) every 0.1 s in a background thread, as
    (unix time, MB) pairs, so the peak can be put on the dbt nodes running at that moment, and
    keeps the kernel's high-water mark (VmHWM), which no sampling gap can miss."""

    interval = 0.1

    def __init__(self, pid: int):
        super().__init__()
        self.status, self.samples, self.peak_mb = Path(f"/proc/{pid}/status"), [], 0.0

    def sample(self) -> bool:
        try:
            fields = dict(line.split(":", 1) for line in self.status.read_text().splitlines() if ":" in line)
            rss_kb, peak_kb = int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
        except (OSError, KeyError, ValueError):
            return False  # the process has exited
        self.samples.append((time.time(), rss_kb / 1024))
        self.peak_mb = max(self.peak_mb, peak_kb / 1024)  # the kernel's high-water mark
        return True


def peak_rss_by_node(samples: list[tuple[float, float]], run_results: Path, count: int = 10) -> list[dict]:
    """The highest RSS sampled while each dbt node executed (from run_results.json's timings),
    the top `count` nodes, with the nodes that ran beside it at that moment (2 threads)."""
    intervals = []
    for result in json.loads(run_results.read_text())["results"]:
        for timing in result["timing"]:
            if timing["name"] == "execute" and timing["started_at"] and timing["completed_at"]:
                intervals.append(
                    (
                        result["unique_id"].split(".", 2)[-1],
                        datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00")).timestamp(),
                        datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00")).timestamp(),
                    )
                )
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
        process = subprocess.Popen(
            [dbt, "build", "--profiles-dir", str(project.root), "--project-dir", str(project.root)],
            cwd=project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with RssTimeline(process.pid) as rss:
            output, _ = process.communicate()
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
