"""Benchmark: winnow's near dedup against datatrove's MinHash pipeline, same documents, one run.

    .venv/bin/python bench/near_dedup.py [--corpus default|versions] [--work data/bench/near_dedup]
        [--datatrove-python .venv-datatrove/bin/python]

1. Builds a corpus and runs `dbt build` with the size and line rules relaxed, so that over 100 MB
   of real Python reaches near dedup: `default` is the default corpus (standard library +
   installed packages); `versions` is several releases of the same packages (Django and SymPy
   sdists, fetched once with `pip download` into the work directory), where most files have
   near-duplicate versions and edges and clusters cost the most.
2. Times winnow's near-dedup models (signatures, LSH edges with exact verification, components,
   clusters) with `dbt run` (dbt start-up included; the project parsed with the same vars first,
   as dbt re-parses everything when --vars change), once with the default scheme
   (one_permutation) and once with the datasketch-exact affine32, and reads peak RSS, removed
   files and the lowest exact Jaccard of a removed file to its keeper.
3. Exports exactly the documents that entered near dedup as 8 Parquet files (datatrove
   parallelises by file) and runs datatrove's signature, buckets, cluster and filter stages with
   the same shingle size and bands x rows, timing them and reading their peak RSS.
4. Prints all of it, with the speed ratios.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from common import timed  # noqa: E402

from python_udfs.cli.ingest import archive_input, distribution_inputs, ingest, stdlib_input  # noqa: E402
from tests.conftest import NEAR_DEDUP_MODELS, make_dbt_project  # noqa: E402

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
# Several releases of the same packages, BSD-licensed (kept by the license rules).
VERSIONED_SDISTS = [
    "django==4.1.13",
    "django==4.2.16",
    "django==5.0.9",
    "django==5.1.3",
    "sympy==1.11.1",
    "sympy==1.12.1",
    "sympy==1.13.3",
]
SCHEMES = ["one_permutation", "affine32"]


def corpus_inputs(corpus: str, work: Path) -> list:
    if corpus == "default":
        return [stdlib_input(), *distribution_inputs()]
    sdists = work / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    have = {path.name.lower() for path in sdists.glob("*.tar.gz")}
    missing = [spec for spec in VERSIONED_SDISTS if spec.replace("==", "-") + ".tar.gz" not in have]
    if missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", sdists]
            + missing,
            check=True,
        )
    # One repository per release, so that two versions of a file are two documents.
    return [
        archive_input(path, repo=f"pypi/{path.name.removesuffix('.tar.gz')}")
        for path in sorted(sdists.glob("*.tar.gz"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=["default", "versions"], default="default")
    parser.add_argument("--work", type=Path, default=None, help="default: data/bench/near_dedup[_versions]")
    parser.add_argument("--datatrove-python", type=Path, default=ROOT / ".venv-datatrove" / "bin" / "python")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    suffix = "" if args.corpus == "default" else f"_{args.corpus}"
    work = (args.work or ROOT / "data" / "bench" / f"near_dedup{suffix}").resolve()
    if not args.datatrove_python.exists():
        raise SystemExit(
            f"{args.datatrove_python} not found: python3 -m venv .venv-datatrove && "
            '.venv-datatrove/bin/pip install "datatrove[io,processing]" spacy pyarrow tokenizers'
        )
    shutil.rmtree(work / "project", ignore_errors=True)
    shutil.rmtree(work / "raw", ignore_errors=True)

    ingest(corpus_inputs(args.corpus, work), work / "raw", progress=False)
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
    ours = {}
    for scheme in SCHEMES:
        project_args = ["--profiles-dir", str(project.root), "--project-dir", str(project.root)]
        vars_ = json.dumps({**RELAXED, "near_dedup_minhash_scheme": scheme})
        # dbt parses the whole project again whenever --vars change (partial parsing is keyed
        # on them): parse once untimed, as a user's earlier command with these vars would have.
        subprocess.run(
            [dbt, "parse", "--vars", vars_, *project_args], cwd=project.root, env=env, check=True, capture_output=True
        )
        seconds, peak_rss, _ = timed(
            [dbt, "run", "--full-refresh", "--select", *NEAR_DEDUP_MODELS, "--vars", vars_, *project_args],
            cwd=project.root,
            env=env,
        )
        with duckdb.connect(str(db), read_only=True) as con:
            [(removed, lowest, edges)] = con.sql(
                """select count(*) filter (where is_removed), min(similarity_to_keeper) filter (where is_removed),
                          (select count(*) from int_near_dup_edges where is_verified)
                   from int_near_dup_clusters"""
            ).fetchall()
        run_results = json.loads((project.root / "target" / "run_results.json").read_text())
        ours[scheme] = {
            "seconds": round(seconds, 1),
            "model_seconds": {
                r["unique_id"].rsplit(".", 1)[-1]: round(r["execution_time"], 2)
                for r in run_results["results"]
                if r["unique_id"].startswith("model.")
            },
            "peak_rss_mb": round(peak_rss),
            "verified_edges": edges,
            "removed": removed,
            "lowest_jaccard_to_keeper": round(lowest, 4) if lowest is not None else None,
        }

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

    theirs_s = round(theirs_s, 1)
    print(
        json.dumps(
            {
                "corpus": args.corpus,
                "documents": len(docs),
                "megabytes": round(megabytes, 1),
                "bands_x_rows": f"{bands}x{rows}",
                "winnow": ours,
                "datatrove_seconds": theirs_s,
                "datatrove_stage_seconds": {k: round(v, 1) for k, v in stages.items()},
                "datatrove_peak_rss_mb": round(theirs_rss),
                "datatrove_removed": theirs_removed,
                "speedup": {scheme: round(theirs_s / run["seconds"], 2) for scheme, run in ours.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
