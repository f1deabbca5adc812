"""Benchmark: the Software Heritage traversal's time against the number of directory entries.

    .venv/bin/python bench/swh_traversal.py [--copies 100 1000 5000] [--work data/bench/swh_traversal]

1. Builds the real export of tests/dbt/swh_export.py (git repositories of the versions of
   packaging, urllib3, idna and certifi on this interpreter, one origin each, git's own ids).
2. For each size, replicates it `copies` times under new origins whose snapshots, revisions and
   directories get ids of their own (the files keep theirs, so the blob store is shared): every
   copy is a distinct tree, so directory_entry grows with the copies and no walk is shared.
3. Times `dbt run` of stg_swh__origin_heads and stg_swh__files (views) and stg_swh__directory_files (the recursive
   walk, a table), the model's own time from dbt's run_results.json, and counts what it reached;
   then reads every staged file's text once (stg_swh__files: each origin's files joined with the
   directory blob store), as int_raw_files_checked does.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import make_dbt_project  # noqa: E402
from tests.dbt.swh_export import SCHEMAS, build_export, write_export  # noqa: E402


def _remap(value: str, copy: int) -> str:
    return hashlib.sha1(f"{value}/{copy}".encode()).hexdigest()


def replicated_tables(tables: dict[str, list[dict]], copies: int) -> dict[str, list[dict]]:
    """The tables `copies` times, every id but the files' own per copy."""
    out: dict[str, list[dict]] = {"content": list(tables["content"])}
    for copy in range(copies):
        for row in tables["origin"]:
            url = f"{row['url']}/copy-{copy}"
            out.setdefault("origin", []).append({"id": hashlib.sha1(url.encode()).hexdigest(), "url": url})
        origin_ids = {
            row["id"]: hashlib.sha1(f"{row['url']}/copy-{copy}".encode()).hexdigest() for row in tables["origin"]
        }
        for table in ("origin_visit", "origin_visit_status"):
            for row in tables[table]:
                snapshot = row.get("snapshot")
                out.setdefault(table, []).append(
                    {
                        **row,
                        "origin": origin_ids[row["origin"]],
                        **({"snapshot": _remap(snapshot, copy)} if snapshot else {}),
                    }
                )
        for row in tables["snapshot_branch"]:
            target = row["target"] if row["target_type"] == "alias" else _remap(row["target"], copy)
            out.setdefault("snapshot_branch", []).append(
                {**row, "snapshot_id": _remap(row["snapshot_id"], copy), "target": target}
            )
        for row in tables["revision"]:
            out.setdefault("revision", []).append(
                {**row, "id": _remap(row["id"], copy), "directory": _remap(row["directory"], copy)}
            )
        for row in tables["directory"]:
            out.setdefault("directory", []).append({"id": _remap(row["id"], copy)})
        for row in tables["directory_entry"]:
            target = _remap(row["target"], copy) if row["type"] == "dir" else row["target"]
            out.setdefault("directory_entry", []).append(
                {**row, "directory_id": _remap(row["directory_id"], copy), "target": target}
            )
    return out


def write_tables(tables: dict[str, list[dict]], root: Path) -> None:
    for table, schema in SCHEMAS.items():
        (root / table).mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(tables.get(table, []), schema=schema), root / table / "part-0.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "swh_traversal")
    args = parser.parse_args()
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    export = build_export(work / "repositories")
    write_export(export, work / "base", work / "blobs")
    project = make_dbt_project(work / "project")
    results = []
    for copies in args.copies:
        root = work / f"export-{copies}"
        write_tables(replicated_tables(export.tables, copies), root)
        project.write_sources(
            [
                {
                    "source_name": "swh",
                    "parquet_glob": str(root),
                    "flavour": "swh",
                    "tier": 1,
                    "blob_store": str(work / "blobs"),
                }
            ]
        )
        assert project.dbt("seed", "--select", "corpus_sources").returncode == 0
        start = time.perf_counter()
        result = project.dbt("run", "--select", "stg_swh__origin_heads", "stg_swh__directory_files", "stg_swh__files")
        wall = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(result.stdout[-3000:])
        timings = {
            r["unique_id"].split(".")[-1]: r["execution_time"]
            for r in json.loads((project.root / "target" / "run_results.json").read_text())["results"]
        }
        entries = pq.read_metadata(root / "directory_entry" / "part-0.parquet").num_rows
        reached, problems = project.query("select count(*), count(problem) from stg_swh__directory_files")[0]
        start = time.perf_counter()
        staged_files, staged_bytes = project.query("select count(*), sum(strlen(content)) from main.stg_swh__files")[0]
        staged_seconds = time.perf_counter() - start
        row = {
            "copies": copies,
            "origins": copies * len(export.tables["origin"]),
            "directory_entries": entries,
            "files_reached": reached,
            "problems": problems,
            "walk_seconds": round(timings["stg_swh__directory_files"], 2),
            "dbt_run_wall_seconds": round(wall, 2),
            "staged_files": staged_files,
            "staged_mb": round((staged_bytes or 0) / 1e6, 1),
            "staged_text_seconds": round(staged_seconds, 2),
        }
        results.append(row)
        print(json.dumps(row), flush=True)
        shutil.rmtree(root)
    print(
        "| copies | origins | directory entries | files reached | walk (s) | entries per s | dbt run wall (s) "
        "| staged files | staged MB | reading their text (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        rate = r["directory_entries"] / r["walk_seconds"] if r["walk_seconds"] else float("nan")
        print(
            f"| {r['copies']} | {r['origins']:,} | {r['directory_entries']:,} | {r['files_reached']:,} | "
            f"{r['walk_seconds']} | {rate:,.0f} | {r['dbt_run_wall_seconds']} | {r['staged_files']:,} | "
            f"{r['staged_mb']} | {r['staged_text_seconds']} |"
        )


if __name__ == "__main__":
    main()
