"""Benchmark: the cost curve. Time and peak RSS of a fresh `dbt build` at 1x, 2x, 4x and 8x of a
real corpus, per stage, with the exponent of each stage's time against the corpus size.

    flock /tmp/winnow-bench.lock .venv/bin/python bench/cost_curve.py [--growth copies|sample]
        [--scales 1 2 4 8] [--base data/raw] [--base-share 1] [--threads 2] [--memory-limit 4GB]
        [--work data/bench/cost_curve] [--keep]

1. The base corpus is a stable sample of `--base-share` of the files of every source of
   seeds/corpus_sources.csv as ingested under `--base` (the default corpus `make run` builds:
   code, docs and web text; all of it by default). kx is the base plus k-1 mutated copies of every
   file (bench/mutated_copies.py: exact copies, light and heavy edits), so dedup and the filters
   have real work at every scale; 1x is the base itself. With `--growth sample`, kx is instead a
   stable sample of k/8 (k/max(scales)) of the base's files, nested, and 8x the base: distinct
   real files at every scale, so the stages after dedup grow with the input too.
2. Each scale is a fresh `dbt build` (models, seeds, data and unit tests, export) in a scratch
   project with its own DuckDB file, `--threads` threads and WINNOW_MEMORY_LIMIT. The RSS of dbt's
   process tree is sampled every 0.1 s.
3. Per stage (the folders of models/: staging, intermediate/01_intake .. 07_mixing, marts/curated,
   training, reports; seeds; data tests; unit tests; hooks): the sum of its nodes' execution
   times from target/run_results.json, and the peak RSS sampled while one of its nodes ran (with
   2 threads a node of another stage may run beside it). Also the wall clock and dbt's start-up
   (process start to the first node). Nodes run two at a time, so stage sums add up to more than
   the wall clock.
4. Fits b in time = a * size^b by least squares on log-log over the scales, per stage and per
   node, against two sizes: the bytes of raw text (UTF-8), the input of staging to 03_dedup, and
   the bytes of curated text, which is what 04_redaction onwards and the marts read (most mutated
   copies stop at the quality filters and dedup). Prints the table (Markdown; the exponent
   against the stage's own input in italics, in bold when above 1.1) and the nodes of at least
   1 s whose exponent against their input is above 1.1; writes everything to
   <work>/<growth>/cost_curve.json and each build's run_results.json beside it.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import sys
import time
from pathlib import Path, PurePosixPath

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import dbt_build_sampled, node_intervals  # noqa: E402
from bench.mutated_copies import mutant_part, stable_uniform, text_bytes, write_mutated_copies  # noqa: E402
from python_udfs.cli.ingest import ROW_GROUP_MAX_BYTES, ROW_GROUP_MAX_ROWS, row_group_bounds  # noqa: E402
from tests.conftest import make_dbt_project  # noqa: E402

# An exponent above this is growth faster than linear that the issue asks to name and fix.
NEAR_LINEAR = 1.1
# Nodes shorter than this at the largest scale are left out of the node-level fits: their times
# are dbt's fixed cost per node plus noise.
NODE_FIT_MIN_SECONDS = 1.0
# Stages that read the near-deduplicated corpus: most mutated copies are duplicates and stop at
# 03_dedup, so these stages' input grows with the curated text, not the raw text.
AFTER_DEDUP = ("04_", "05_", "06_", "07_", "marts/")


# A fit over sizes less than this far apart says nothing (the mutated copies barely grow the
# curated text): no exponent is given against such a size.
MIN_SIZE_RANGE = 2.0


def after_dedup(stage: str) -> bool:
    return stage.startswith(AFTER_DEDUP)


def base_sources(base: Path) -> list[dict]:
    """The rows of seeds/corpus_sources.csv, each with the directory of its Parquet files under
    `base` (the seed's globs are relative to the project: data/raw/<source>/*.parquet)."""
    with (ROOT / "seeds" / "corpus_sources.csv").open() as seed:
        rows = list(csv.DictReader(seed))
    for row in rows:
        directory = base / PurePosixPath(row["parquet_glob"]).parent.name
        if not sorted(directory.glob("part-*.parquet")):
            raise SystemExit(
                f"source {row['source_name']}: no part-*.parquet under {directory}; "
                "ingest the default corpus first (make ingest), or pass --base"
            )
        row["directory"] = directory
    return rows


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy(source, target)


def sample_corpus(sources: list[dict], root: Path, share: float) -> None:
    """root/<source>/part-*.parquet: the originals (hard links), or of each part the rows a stable
    hash of (source, repo and path, or id) puts in the first `share` of [0, 1), so the sample of a
    larger share holds the sample of a smaller one."""
    for source in sources:
        target = root / source["source_name"]
        marker = target / ".share"
        if marker.exists() and marker.read_text() == str(share):
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for original in sorted(source["directory"].glob("part-*.parquet")):
            if share >= 1:
                link_or_copy(original, target / original.name)
                continue
            table = pq.read_table(original)
            keys = (
                zip(table.column("repo").to_pylist(), table.column("path").to_pylist())
                if "path" in table.column_names
                else table.column("id").to_pylist()
            )
            kept = table.filter(pa.array([stable_uniform("base", source["source_name"], key) < share for key in keys]))
            column = "content" if "content" in kept.column_names else "text"
            sizes = [len(text.encode()) for text in kept.column(column).to_pylist()]
            with pq.ParquetWriter(target / original.name, kept.schema, compression="zstd") as writer:
                for start, stop in row_group_bounds(sizes, ROW_GROUP_MAX_ROWS, ROW_GROUP_MAX_BYTES):
                    writer.write_table(kept.slice(start, stop - start), row_group_size=stop - start)
        marker.write_text(str(share))


def corpus_with_copies(sources: list[dict], work: Path, scale: int) -> None:
    """work/scale-<k>/raw/<source>/: the base parts and mutated copies 1..k-1 (hard links)."""
    for source in sources:
        base = work / "base" / source["source_name"]
        target = work / f"scale-{scale}" / "raw" / source["source_name"]
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        originals = sorted(base.glob("part-*.parquet"))
        parts = originals + [mutant_part(base, copy, n) for copy in range(1, scale) for n in range(len(originals))]
        for part in parts:
            link_or_copy(part, target / part.name)


def seed_rows(sources: list[dict], raw: Path) -> tuple[list[dict], int, int]:
    """The seed rows pointing at raw/<source>/*.parquet, the bytes of raw text and the raw rows."""
    rows, total_bytes, total_rows = [], 0, 0
    for source in sources:
        target = raw / source["source_name"]
        for part in sorted(target.glob("*.parquet")):
            total_bytes += text_bytes(part)
            total_rows += pq.ParquetFile(part).metadata.num_rows
        row = {k: v for k, v in source.items() if k != "directory"}
        rows.append({**row, "parquet_glob": f"{target}/*.parquet"})
    return rows, total_bytes, total_rows


def stage_of(node: dict) -> str:
    """The stage a manifest node belongs to: its folder under models/, or its resource type."""
    kind = node["resource_type"]
    if kind == "model":
        parts = PurePosixPath(node["original_file_path"]).parts
        if parts[1] == "intermediate":
            return parts[2]
        return parts[1] if parts[1] == "staging" else f"{parts[1]}/{parts[2]}"
    return {
        "seed": "seeds",
        "test": "data tests",
        "unit_test": "unit tests",
        "operation": "hooks",
        "exposure": "exposures",
    }.get(kind, kind)


def build(project_root: Path, threads: int, memory_limit: str) -> dict:
    """A fresh `dbt build` in the scratch project: wall clock, start-up, and per node its stage,
    execution time and the peak RSS sampled while it ran."""
    env = {
        "WINNOW_DB": str(project_root / "winnow.duckdb"),
        "WINNOW_TEMP_DIR": str(project_root / "tmp"),
        "WINNOW_THREADS": str(threads),
        "WINNOW_MEMORY_LIMIT": memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
    }
    dbt = str(Path(sys.executable).parent / "dbt")
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    process, output, rss = dbt_build_sampled(dbt, project_root, env)
    wall = time.time() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    if process.returncode != 0:
        raise SystemExit(f"dbt build failed in {project_root}:\n{output[-5000:]}")
    target = project_root / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    nodes_by_id = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    results = json.loads((target / "run_results.json").read_text())["results"]
    intervals = node_intervals(target / "run_results.json")
    first_start = min(start for _, start, _ in intervals)
    nodes = {}
    for result in results:
        node = nodes_by_id.get(result["unique_id"], {"resource_type": result["unique_id"].split(".")[0]})
        nodes[result["unique_id"]] = {"stage": stage_of(node), "seconds": result["execution_time"], "peak_rss_mb": 0.0}
    for moment, mb in rss.samples:
        for unique_id, start, stop in intervals:
            if start <= moment <= stop and unique_id in nodes:
                nodes[unique_id]["peak_rss_mb"] = max(nodes[unique_id]["peak_rss_mb"], mb)
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "load_before_after": [load_before, os.getloadavg()[0]],
        "startup_seconds": first_start - started,
        "peak_rss_mb": rss.peak_mb,
        "nodes": nodes,
    }


def exponent(sizes: list[float], seconds: list[float]) -> float | None:
    """b of time = a * size^b, least squares on log-log (None when a time is zero or the sizes
    span less than MIN_SIZE_RANGE)."""
    if len(sizes) < 2 or min(seconds) <= 0 or max(sizes) < MIN_SIZE_RANGE * min(sizes):
        return None
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread


def funnel(database: Path) -> dict:
    with duckdb.connect(str(database), read_only=True) as con:
        curated, curated_bytes = con.execute("select count(*), sum(n_bytes) from fct_curated_files").fetchall()[0]
        dropped = dict(
            con.execute("select stage, count(*) from fct_drop_ledger group by stage order by stage").fetchall()
        )
    return {"curated_files": curated, "curated_bytes": int(curated_bytes), "dropped_by_stage": dropped}


def stage_table(runs: list[dict]) -> tuple[list[dict], list[dict]]:
    """Per stage and per node (long enough to fit): seconds and peak RSS per scale, exponents
    against the raw text and against the curated text, and which of the two is the stage's input."""
    sizes = [run["raw_bytes"] for run in runs]
    curated = [run["funnel"]["curated_bytes"] for run in runs]
    stage_names = sorted({node["stage"] for run in runs for node in run["nodes"].values()})
    stages = []
    for stage in stage_names:
        seconds = [sum(n["seconds"] for n in run["nodes"].values() if n["stage"] == stage) for run in runs]
        peaks = [
            max((n["peak_rss_mb"] for n in run["nodes"].values() if n["stage"] == stage), default=0) for run in runs
        ]
        count = sum(1 for n in runs[-1]["nodes"].values() if n["stage"] == stage)
        stages.append(
            {
                "stage": stage,
                "nodes": count,
                "seconds": seconds,
                "peak_rss_mb": peaks,
                "exponent": exponent(sizes, seconds),
                "exponent_curated": exponent(curated, seconds),
                "input": "curated" if after_dedup(stage) else "raw",
            }
        )
    for label, key in (
        ("dbt start-up", "startup_seconds"),
        ("wall clock", "wall_seconds"),
        ("CPU time of the build (user + system)", "cpu_seconds"),
    ):
        seconds = [run.get(key, 0.0) for run in runs]
        peaks = [run["peak_rss_mb"] for run in runs] if key == "wall_seconds" else [0] * len(runs)
        stages.append(
            {
                "stage": label,
                "nodes": None,
                "seconds": seconds,
                "peak_rss_mb": peaks,
                "exponent": exponent(sizes, seconds),
                "exponent_curated": exponent(curated, seconds),
                "input": "raw",
            }
        )
    node_ids = [uid for uid in runs[-1]["nodes"] if all(uid in run["nodes"] for run in runs)]
    nodes = []
    for uid in node_ids:
        seconds = [run["nodes"][uid]["seconds"] for run in runs]
        if seconds[-1] >= NODE_FIT_MIN_SECONDS:
            stage = runs[-1]["nodes"][uid]["stage"]
            fitted = exponent(curated if after_dedup(stage) else sizes, seconds)
            nodes.append({"node": uid, "stage": stage, "seconds": seconds, "exponent_of_input": fitted})
    nodes.sort(key=lambda n: -(n["exponent_of_input"] or 0))
    return stages, nodes


def markdown(runs: list[dict], stages: list[dict], nodes: list[dict]) -> str:
    scales = [f"{run['scale']}x" for run in runs]
    lines = [
        "| scale | " + " | ".join(scales) + " |",
        "|---|" + "---:|" * len(runs),
        "| raw files | " + " | ".join(f"{run['raw_rows']:,}" for run in runs) + " |",
        "| raw text (MB) | " + " | ".join(f"{run['raw_bytes'] / 1e6:,.0f}" for run in runs) + " |",
        "| curated files | " + " | ".join(f"{run['funnel']['curated_files']:,}" for run in runs) + " |",
        "| load average (1 min) before, after | "
        + " | ".join(", ".join(f"{x:.1f}" for x in run.get("load_before_after", [])) for run in runs)
        + " |",
        "| curated text (MB) | " + " | ".join(f"{run['funnel']['curated_bytes'] / 1e6:,.0f}" for run in runs) + " |",
        "",
        "| stage (nodes) | "
        + " | ".join(f"{s} s" for s in scales)
        + " | b (raw) | b (curated) | "
        + " | ".join(f"{s} peak MB" for s in scales)
        + " |",
        "|---|" + "---:|" * (2 * len(runs) + 2),
    ]

    def shown(stage: dict, key: str) -> str:
        value = stage[key]
        if value is None:
            return ""
        text = f"{value:.2f}"
        input_key = "exponent_curated" if stage["input"] == "curated" else "exponent"
        if key == input_key:
            text = f"**{text}**" if value > NEAR_LINEAR else f"_{text}_"
        return text

    for stage in stages:
        label = stage["stage"] if stage["nodes"] is None else f"{stage['stage']} ({stage['nodes']})"
        peaks = " | ".join(f"{p:,.0f}" if p else "" for p in stage["peak_rss_mb"])
        lines.append(
            f"| {label} | "
            + " | ".join(f"{t:.1f}" for t in stage["seconds"])
            + f" | {shown(stage, 'exponent')} | {shown(stage, 'exponent_curated')} | {peaks} |"
        )
    faster = [n for n in nodes if n["exponent_of_input"] is not None and n["exponent_of_input"] > NEAR_LINEAR]
    lines += [
        "",
        f"Nodes of at least {NODE_FIT_MIN_SECONDS:.0f} s at {scales[-1]} whose exponent against their input "
        f"is above {NEAR_LINEAR}:",
        "",
    ]
    lines += [
        f"- `{n['node'].split('.', 2)[-1][:70]}` ({n['stage']}): {n['exponent_of_input']:.2f}, "
        + ", ".join(f"{t:.1f}" for t in n["seconds"])
        + " s"
        for n in faster
    ] or ["- none"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "cost_curve")
    parser.add_argument("--base", type=Path, default=ROOT / "data" / "raw", help="directory of the ingested sources")
    parser.add_argument(
        "--base-share", type=float, default=1.0, help="share of each source's files in the base (1 = all)"
    )
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument(
        "--growth",
        choices=["copies", "sample"],
        default="copies",
        help="kx = the base and k-1 mutated copies (default), or a stable sample of k/max(scales) of the base",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--keep", action="store_true", help="keep each scale's DuckDB file and outputs")
    args = parser.parse_args()
    if sorted(args.scales) != args.scales or args.scales[0] < 1:
        raise SystemExit("--scales: increasing whole numbers from 1, e.g. 1 2 4 8")
    work = args.work.resolve() / args.growth
    sources = base_sources(args.base.resolve())
    if args.growth == "copies":
        sample_corpus(sources, work / "base", args.base_share)
        for source in sources:
            write_mutated_copies(work / "base" / source["source_name"], args.scales[-1] - 1, workers=args.threads)

    runs = []
    for scale in args.scales:
        if args.growth == "copies":
            corpus_with_copies(sources, work, scale)
        else:
            sample_corpus(sources, work / f"scale-{scale}" / "raw", args.base_share * scale / args.scales[-1])
        rows, raw_bytes, raw_rows = seed_rows(sources, work / f"scale-{scale}" / "raw")
        project_dir = work / f"scale-{scale}" / "project"
        shutil.rmtree(project_dir, ignore_errors=True)
        project = make_dbt_project(project_dir)
        project.write_sources(rows)
        run = {"scale": scale, "raw_bytes": raw_bytes, "raw_rows": raw_rows}
        run.update(build(project.root, args.threads, args.memory_limit))
        run["funnel"] = funnel(project.root / "winnow.duckdb")
        shutil.copy(project.root / "target" / "run_results.json", work / f"scale-{scale}" / "run_results.json")
        if not args.keep:
            shutil.rmtree(project_dir, ignore_errors=True)
        runs.append(run)
        print(
            f"{scale}x: {raw_rows:,} raw files, {raw_bytes / 1e6:,.0f} MB of text, "
            f"built in {run['wall_seconds']:.1f} s, peak RSS {run['peak_rss_mb']:,.0f} MB",
            flush=True,
        )

    stages, nodes = stage_table(runs)
    (work / "cost_curve.json").write_text(json.dumps({"runs": runs, "stages": stages, "nodes": nodes}, indent=1))
    print(markdown(runs, stages, nodes))


if __name__ == "__main__":
    main()
