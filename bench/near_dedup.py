"""Benchmark: winnow's near dedup against datatrove's MinHash pipeline, same documents, one run.

    .venv/bin/python bench/near_dedup.py [--work data/bench/near_dedup] [--datatrove-python .venv-datatrove/bin/python]

1. Ingests the default corpus (standard library + installed packages) and runs `dbt build` with
   the size and line rules relaxed, so that over 100 MB of real Python reaches near dedup.
2. Times winnow's near-dedup models (signatures, LSH edges with exact verification, components,
   clusters) with `dbt run`, and reads peak RSS of that process.
3. Exports exactly the documents that entered near dedup as 8 Parquet files (datatrove
   parallelises by file) and runs datatrove's signature, buckets, cluster and filter stages with
   the same shingle size and bands x rows, timing them and reading their peak RSS.
4. Prints both, the speed ratio and the number of documents each removed.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from common import timed  # noqa: E402

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input  # noqa: E402
from tests.conftest import make_dbt_project  # noqa: E402

# Relax the size and line rules so that big real files reach near dedup too; language and
# license rules stay, so the input is real permissively licensed Python.
RELAXED = {
    "max_file_bytes": 10**9,
    "max_lines": 10**9,
    "max_line_length": 10**9,
    "max_mean_line_length": 10**9,
    "min_alphanumeric_fraction": 0,
    "min_alphabetic_fraction": 0,
    "encoded_data_max_run": 10**9,
    "encoded_data_max_fraction": 1.1,
}
NEAR_DEDUP_MODELS = [
    "int_minhash_signatures_cache",
    "int_files_minhashed",
    "int_near_dup_candidates",
    "int_near_dup_edges",
    "int_near_dup_components",
    "int_near_dup_clusters",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "near_dedup")
    parser.add_argument("--datatrove-python", type=Path, default=ROOT / ".venv-datatrove" / "bin" / "python")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = args.work.resolve()
    shutil.rmtree(work / "project", ignore_errors=True)

    ingest([stdlib_input(), *distribution_inputs()], work / "raw", progress=False)
    project = make_dbt_project(work / "project")
    project.write_sources(
        [{"source_name": "default", "parquet_glob": f"{work}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = project.dbt("build", "--vars", json.dumps(RELAXED))
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:])

    bands, rows = 25, 10  # what the lsh_params macro derives for 256 permutations and 0.7
    db = project.root / "winnow.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        docs = con.sql(
            "select doc_id as id, content as text from int_files_exact_deduped order by doc_id"
        ).to_arrow_table()
    megabytes = sum(len(t.encode()) for t in docs.column("text").to_pylist()) / 1e6
    datatrove_in = work / "datatrove_in"
    datatrove_in.mkdir(parents=True, exist_ok=True)
    for old in datatrove_in.glob("*.parquet"):
        old.unlink()
    step = -(-len(docs) // 8)
    for i in range(8):
        pq.write_table(docs.slice(i * step, step), datatrove_in / f"part-{i}.parquet")

    dbt = str(Path(sys.executable).parent / "dbt")
    env = {
        "WINNOW_DB": str(db),
        "WINNOW_TEMP_DIR": str(work / "tmp"),
        "WINNOW_THREADS": str(args.workers),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PATH": str(Path(sys.executable).parent),
    }
    ours_s, ours_rss, _ = timed(
        [
            dbt,
            "run",
            "--full-refresh",
            "--select",
            *NEAR_DEDUP_MODELS,
            "--vars",
            json.dumps(RELAXED),
            "--profiles-dir",
            str(project.root),
            "--project-dir",
            str(project.root),
        ],
        cwd=project.root,
        env=env,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        [(ours_removed,)] = con.sql("select count(*) from int_near_dup_clusters where is_removed").fetchall()

    theirs_s, theirs_rss, out = timed(
        [
            str(args.datatrove_python),
            str(ROOT / "bench" / "datatrove_minhash.py"),
            str(datatrove_in),
            str(work / "datatrove_work"),
            str(args.workers),
            "5",
            str(bands),
            str(rows),
        ]
    )
    stages = json.loads(out.stdout.strip().splitlines()[-1])
    removed_files = list((work / "datatrove_work" / "removed").glob("*"))
    theirs_removed = sum(sum(1 for _ in open(f, "rb")) if not f.name.endswith(".gz") else 0 for f in removed_files)
    if any(f.name.endswith(".gz") for f in removed_files):
        import gzip

        theirs_removed = sum(sum(1 for _ in gzip.open(f)) for f in removed_files)

    print(
        json.dumps(
            {
                "documents": len(docs),
                "megabytes": round(megabytes, 1),
                "bands_x_rows": f"{bands}x{rows}",
                "winnow_seconds": round(ours_s, 1),
                "winnow_peak_rss_mb": round(ours_rss),
                "winnow_removed": ours_removed,
                "datatrove_seconds": round(theirs_s, 1),
                "datatrove_stage_seconds": {k: round(v, 1) for k, v in stages.items()},
                "datatrove_peak_rss_mb": round(theirs_rss),
                "datatrove_removed": theirs_removed,
                "speedup": round(theirs_s / ours_s, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
