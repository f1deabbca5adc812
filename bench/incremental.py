"""Benchmark: incremental rebuilds. A first `dbt build`, a second with nothing changed, and a third
after adding one new corpus, on the default corpus plus mutated copies of it.

    .venv/bin/python bench/incremental.py [--copies 2] [--work data/bench/incremental]

1. Ingests the default corpus (standard library + installed packages) and derives `--copies`
   mutated copies of every file (bench/mutated_copies.py), as source `base`; one
   more mutated copy is kept aside as source `added`.
2. Times `dbt build` from scratch, then again with nothing changed (the target: under 20% of
   the first), then with `added` listed in seeds/corpus_sources.csv.
3. Counts the rows each per-document cache computed in the third build (a reused row keeps its
   DuckDB rowid, a computed one gets a new one) and checks they are `added`'s files only; the
   tokenizer is pinned to the first build's file (a tokenizer trained on the corpus changes with
   it, and then every file is encoded again, as it must be).

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import timed  # noqa: E402
from bench.mutated_copies import write_mutated_copies  # noqa: E402
from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input  # noqa: E402
from tests.conftest import make_dbt_project  # noqa: E402

CACHES = {
    "int_file_signals_cache": "doc_id",
    "int_minhash_signatures_cache": "doc_id",
    "int_pii_redactions_cache": "doc_id",
    "int_decontamination_scans_cache": "doc_id",
    "int_token_ids_cache": "doc_id",
    "int_fim_token_ids_cache": "doc_id, copy, is_spm",
}


def cache_rows(database: Path) -> dict[str, set]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            cache: set(con.execute(f"select rowid, {keys} from {cache}").fetchall()) for cache, keys in CACHES.items()
        }


def slowest_nodes(project_root: Path, keep: Path, count: int = 12) -> list[tuple[str, float]]:
    """The build's slowest nodes from dbt's run_results.json, which is kept as `keep`."""
    shutil.copy(project_root / "target" / "run_results.json", keep)
    results = json.loads(keep.read_text())["results"]
    timings = sorted(
        ((r["unique_id"].split(".", 2)[-1], r["execution_time"]) for r in results), key=lambda item: -item[1]
    )
    return [(node, round(seconds, 1)) for node, seconds in timings[:count]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "incremental")
    parser.add_argument("--copies", type=int, default=2)
    args = parser.parse_args()
    work = args.work.resolve()
    base, added = work / "raw" / "base", work / "raw" / "added"
    if not (base / "part-00000.parquet").exists():
        ingest([stdlib_input(), *distribution_inputs()], base, progress=False)
    write_mutated_copies(base, args.copies, workers=2)
    if not added.exists():
        # The next copy, written next to the originals and moved aside as its own corpus.
        staging = work / "raw" / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(base, staging)  # with the existing copies, so only the next one is made
        write_mutated_copies(staging, args.copies + 1, workers=2)
        added.mkdir(parents=True)
        for part in staging.glob(f"mutant-{args.copies + 1:03d}-*.parquet"):
            part.rename(added / part.name)
        shutil.rmtree(staging)

    shutil.rmtree(work / "project", ignore_errors=True)
    project = make_dbt_project(work / "project")
    sources = [{"source_name": "base", "parquet_glob": f"{base}/*.parquet", "flavour": "winnow", "tier": 1}]
    project.write_sources(sources)
    dbt = str(Path(sys.executable).parent / "dbt")
    env = {**project.environment(), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    build = [dbt, "build", "--profiles-dir", str(project.root), "--project-dir", str(project.root)]

    first, first_rss, _ = timed(build, cwd=project.root, env=env)
    second, _, _ = timed(build, cwd=project.root, env=env)
    second_slowest = slowest_nodes(project.root, work / "run_results-second.json")
    statuses = project.model_statuses()
    memoized = project.memoized_models()
    second_reused = sum(statuses[model] == "REUSED" for model in memoized)
    database = project.root / "winnow.duckdb"
    before = cache_rows(database)
    with duckdb.connect(str(database), read_only=True) as con:
        [(tokenizer,)] = con.execute("select tokenizer_path from int_tokenizer_prepared").fetchall()
    pinned = work / "pinned-tokenizer.json"
    shutil.copy(tokenizer, pinned)
    project.write_sources(
        [*sources, {"source_name": "added", "parquet_glob": f"{added}/*.parquet", "flavour": "winnow", "tier": 2}]
    )
    third, _, _ = timed([*build, "--vars", json.dumps({"tokenizer_path": str(pinned)})], cwd=project.root, env=env)
    after = cache_rows(database)
    with duckdb.connect(str(database), read_only=True) as con:
        added_docs = {
            d for (d,) in con.execute("select doc_id from int_files_unioned where source = 'added'").fetchall()
        }
        [(base_files, added_files)] = con.execute(
            "select count(*) filter (where source = 'base'), count(*) filter (where source = 'added') "
            "from int_raw_files_checked"
        ).fetchall()
    computed = {cache: after[cache] - before[cache] for cache in CACHES}
    print(
        json.dumps(
            {
                "base_raw_files": base_files,
                "added_raw_files": added_files,
                "first_build_seconds": round(first, 1),
                "first_build_peak_rss_mb": round(first_rss),
                "second_build_seconds": round(second, 1),
                "second_over_first": round(second / first, 3),
                "second_build_memoized_tables_reused": f"{second_reused} of {len(memoized)}",
                "second_build_slowest_nodes": second_slowest,
                "build_with_added_corpus_seconds": round(third, 1),
                "added_over_first": round(third / first, 3),
                "rows_computed_by_the_third_build": {cache: len(rows) for cache, rows in computed.items()},
                "rows_dropped_from_caches": {cache: len(before[cache] - after[cache]) for cache in CACHES},
                # After near dedup a few old files can be computed too: the new files change clusters,
                # and an old file that is no longer a near duplicate enters the later stages.
                "computed_rows_of_old_files": {
                    cache: sum(row[1] not in added_docs for row in rows)
                    for cache, rows in computed.items()
                    if cache != "int_fim_token_ids_cache"
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
