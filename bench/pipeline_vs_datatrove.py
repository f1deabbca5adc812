"""Benchmark: winnow's whole `dbt build` against datatrove's equivalent stages, same raw documents, one run.

    flock /tmp/winnow-bench.lock .venv/bin/python bench/pipeline_vs_datatrove.py \
        [--work data/bench/pipeline] [--datatrove-python .venv-datatrove/bin/python] [--winnow-only]

1. The default corpora of the Makefile (data/raw/default, data/raw/docs, data/raw/text; made with
   `make` when missing) go into a scratch copy of the project, which runs a fresh `dbt build`
   (seeds, every model, every data test; parsed from nothing) with 2 threads, timed end to end.
   Per-stage seconds come from target/run_results.json: each node's `execution_time` summed per
   folder (staging, 01_intake .. 07_mixing, marts, seeds, tests), and per datatrove stage over the
   models that do the same work; dbt start-up is the time before the first node starts.
2. Every raw row as winnow reads it (staging's views: code and docs `content`, web `text`) goes
   to datatrove as `text`/`id` Parquet, 8 files of code and 8 of prose (datatrove parallelises
   by file), with the tokenizer.json the build trained.
3. bench/datatrove_pipeline.py (datatrove's venv, 2 workers) chains read, Gopher quality and
   repetition filters on the prose, exact dedup, MinHash dedup (winnow's shingle size, 25 buckets
   x 10 hashes) and tokenisation, timing each stage.
4. datatrove has no code quality rules, so its MinHash and tokenisation stages see about twice
   the bytes winnow's do: bench/datatrove_minhash.py and bench/datatrove_tokenize.py run again on
   exactly the documents winnow's near dedup and tokenisation read (the aligned figures).
5. Prints JSON: both sides' stage seconds, totals, documents, peak RSS, and the ratio of
   datatrove's equivalent stages (chained, and aligned) to winnow's whole build.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import timed  # noqa: E402
from tests.conftest import NEAR_DEDUP_MODELS, make_dbt_project  # noqa: E402

RAW_CORPORA = (
    "data/raw/default/_ingest/summary.json",
    "data/raw/docs/_ingest/summary.json",
    "data/raw/text/part-00000.parquet",
)
BANDS, ROWS = 25, 10  # what the lsh_params macro derives for 256 permutations and 0.7
# winnow's models that do the work of each datatrove stage. Staging and intake read and check
# every raw row; tokenizer training has no datatrove counterpart (DocumentTokenizer takes a
# trained tokenizer), so it is reported apart.
COMPARABLE_MODELS = {
    "gopher_filters": ["int_prose_signals_cache"],
    "exact_dedup": ["int_exact_dup_clusters", "int_files_exact_deduped"],
    "minhash_dedup": [*NEAR_DEDUP_MODELS, "int_files_near_deduped"],
    "tokenisation": ["int_token_ids_cache", "int_files_tokenized"],
}
TOKENIZER_TRAINING_MODELS = ["int_tokenizer_samples", "int_tokenizer_prepared"]
FILES_PER_KIND = 8


def ensure_raw_corpora() -> None:
    """The Makefile's default corpora, ingested from this interpreter when missing (minutes)."""
    missing = [target for target in RAW_CORPORA if not (ROOT / target).exists()]
    if missing:
        subprocess.run(["make", *missing], cwd=ROOT, check=True)


def write_sources(project, raw: Path) -> None:
    """The project's corpus_sources seed with its globs made absolute, under ``raw`` (data/raw)."""
    with open(ROOT / "seeds" / "corpus_sources.csv", newline="") as seed:
        rows = list(csv.DictReader(seed))
    for row in rows:
        row["parquet_glob"] = str(raw / Path(row["parquet_glob"]).relative_to("data/raw"))
    project.write_sources(rows)


def node_group(node: dict) -> str:
    """The folder a node is reported under: seeds, tests, staging, 01_intake .. 07_mixing, marts."""
    if node["resource_type"] in ("test", "unit_test"):
        return "tests"
    if node["resource_type"] != "model":
        return node["resource_type"] + "s"
    parts = Path(node["original_file_path"]).parts
    return parts[2] if parts[1] == "intermediate" else parts[1]


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def wall_shares(spans: dict[str, tuple[float, float]]) -> tuple[dict[str, float], dict[int, float]]:
    """Wall seconds per node, each moment split evenly among the nodes running then (the shares
    add up to the time between the first node's start and the last node's end), and wall seconds
    by how many nodes ran at once."""
    by_node, running = defaultdict(float), defaultdict(float)
    moments = sorted({t for span in spans.values() for t in span})
    for begin, end in pairwise(moments):
        active = [node for node, (start, stop) in spans.items() if start <= begin and stop >= end]
        running[len(active)] += end - begin
        for node in active:
            by_node[node] += (end - begin) / len(active)
    return by_node, dict(sorted(running.items()))


def build_breakdown(project_root: Path, launched_at: float, wall: float) -> dict:
    """Seconds per folder and per datatrove stage from dbt's run_results.json and manifest.json."""
    results = json.loads((project_root / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((project_root / "target" / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest["unit_tests"], **manifest["exposures"]}
    by_group, by_model, spans = defaultdict(float), {}, {}
    for result in results:
        node = nodes[result["unique_id"]]
        by_group[node_group(node)] += result["execution_time"]
        if node["resource_type"] == "model":
            by_model[node["name"]] = result["execution_time"]
        steps = [step for step in result["timing"] if step.get("started_at")]
        if steps:
            start = min(epoch(step["started_at"]) for step in steps)
            spans[result["unique_id"]] = (start, max(epoch(step["completed_at"]) for step in steps))
    wall_by_node, running = wall_shares(spans)
    wall_by_group, wall_by_model = defaultdict(float), defaultdict(float)
    for unique_id, seconds in wall_by_node.items():
        wall_by_group[node_group(nodes[unique_id])] += seconds
        wall_by_model[nodes[unique_id]["name"]] += seconds
    missing = [m for ms in COMPARABLE_MODELS.values() for m in ms if m not in by_model]
    if missing:
        raise SystemExit(f"models not in the build's run_results.json: {missing}; update COMPARABLE_MODELS")
    read = sum(by_group[group] for group in ("staging", "01_intake"))
    comparable = {"read": read} | {stage: sum(by_model[m] for m in ms) for stage, ms in COMPARABLE_MODELS.items()}
    read_wall = sum(wall_by_group[group] for group in ("staging", "01_intake"))
    comparable_wall = {"read": read_wall} | {
        stage: sum(wall_by_model[m] for m in ms) for stage, ms in COMPARABLE_MODELS.items()
    }
    return {
        "wall": wall,
        "startup_before_first_node": min(start for start, _ in spans.values()) - launched_at,
        "after_last_node": launched_at + wall - max(end for _, end in spans.values()),
        "wall_seconds_by_folder": dict(sorted(wall_by_group.items())),
        "wall_seconds_by_nodes_running": running,
        "node_seconds_by_folder": dict(sorted(by_group.items())),
        "node_seconds_total": sum(by_group.values()),
        "comparable_node_seconds": comparable,
        "comparable_node_seconds_total": sum(comparable.values()),
        "comparable_wall_seconds": comparable_wall,
        "comparable_wall_seconds_total": sum(comparable_wall.values()),
        "tokenizer_training_node_seconds": sum(by_model[m] for m in TOKENIZER_TRAINING_MODELS),
        "slowest_models_node_seconds": dict(sorted(by_model.items(), key=lambda item: -item[1])[:12]),
        "slowest_models_wall_seconds": dict(sorted(wall_by_model.items(), key=lambda item: -item[1])[:12]),
        "nodes": len(results),
    }


def export_raw_documents(db: Path, directory: Path) -> dict:
    """Every raw row as winnow's staging views read it, code and prose apart, as datatrove input."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    counts = {}
    with duckdb.connect(str(db), read_only=True) as con:
        staged = " union all by name ".join(
            f"select source, source_file, source_row, content from {view}"
            for view in ("stg_winnow__files", "stg_text__files")
        )
        for name, kinds in (("code", "('code')"), ("prose", "('text', 'docs')")):
            table = con.sql(
                f"""
                select checked.doc_id as id, coalesce(staged.content, '') as text
                from int_raw_files_checked as checked
                inner join ({staged}) as staged
                    using (source, source_file, source_row)
                where checked.kind in {kinds}
                order by checked.doc_id
                """
            ).to_arrow_table()
            step = -(-len(table) // FILES_PER_KIND)
            for i in range(FILES_PER_KIND):
                pq.write_table(table.slice(i * step, step), directory / f"{name}-{i}.parquet")
            counts[name] = {
                "documents": len(table),
                "megabytes": round(sum(len(t.encode()) for t in table["text"].to_pylist()) / 1e6, 1),
            }
        [(raw_rows,)] = con.sql("select count(*) from int_raw_files_checked").fetchall()
    exported = sum(c["documents"] for c in counts.values())
    if exported != raw_rows:
        raise SystemExit(f"exported {exported} documents for datatrove, but the build read {raw_rows} raw rows")
    return counts


def export_stage_input(db: Path, model: str, directory: Path) -> None:
    """The documents one of winnow's stages reads, as datatrove input (8 Parquet files)."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    with duckdb.connect(str(db), read_only=True) as con:
        table = con.sql(f"select doc_id as id, content as text from {model} order by doc_id").to_arrow_table()
    step = -(-len(table) // FILES_PER_KIND)
    for i in range(FILES_PER_KIND):
        pq.write_table(table.slice(i * step, step), directory / f"part-{i}.parquet")


def winnow_outcome(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        [(curated, tokens)] = con.sql("select count(*), sum(n_tokens) from int_files_tokenized").fetchall()
        drops = dict(con.sql("select stage, count(*) from fct_drop_ledger group by stage order by stage").fetchall())
        stage_inputs = {
            stage: dict(
                zip(
                    ("documents", "megabytes"),
                    con.sql(f"select count(*), sum(n_bytes) / 1e6 from {model}").fetchall()[0],
                )
            )
            for stage, model in (
                ("prose_signals", "int_files_unioned where kind in ('text', 'docs')"),
                ("exact_dedup", "int_files_url_deduped"),
                ("minhash_dedup", "int_files_exact_deduped"),
                ("tokenisation", "int_files_curated"),
            )
        }
    return {
        "input_of_stage": stage_inputs,
        "curated_documents": curated,
        "curated_tokens": int(tokens),
        "dropped_by_stage": drops,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "pipeline")
    parser.add_argument("--datatrove-python", type=Path, default=ROOT / ".venv-datatrove" / "bin" / "python")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--raw",
        type=Path,
        default=ROOT / "data" / "raw",
        help="holds default/, docs/, text/ (a smaller copy for a trial run)",
    )
    parser.add_argument(
        "--winnow-only",
        action="store_true",
        help="time winnow's build and print its breakdown, without datatrove (no ratio: for iterating)",
    )
    args = parser.parse_args()
    if not args.winnow_only and not args.datatrove_python.exists():
        raise SystemExit(
            f"no datatrove interpreter at {args.datatrove_python}: create it with\n"
            '  python3 -m venv .venv-datatrove && .venv-datatrove/bin/pip install -q "datatrove[io,processing]" '
            "spacy pyarrow tokenizers\nor pass --datatrove-python"
        )
    work = args.work.resolve()
    if args.raw == ROOT / "data" / "raw":
        ensure_raw_corpora()
    shutil.rmtree(work, ignore_errors=True)

    # --- winnow: a fresh dbt build, parsed from nothing, as `make build` in a new checkout.
    project = make_dbt_project(work / "project")
    shutil.rmtree(project.root / "target", ignore_errors=True)
    write_sources(project, args.raw.resolve())
    db = project.root / "winnow.duckdb"
    env = {
        **os.environ,
        "WINNOW_DB": str(db),
        "WINNOW_TEMP_DIR": str(work / "tmp"),
        "WINNOW_THREADS": str(args.workers),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("WINNOW_MEMORY_LIMIT", None)  # the profile's default, as `make build`
    dbt = str(Path(sys.executable).parent / "dbt")
    launched_at = time.time()
    winnow_s, winnow_rss, _ = timed(
        [dbt, "build", "--profiles-dir", str(project.root), "--project-dir", str(project.root)],
        cwd=project.root,
        env=env,
    )
    winnow = build_breakdown(project.root, launched_at, winnow_s)
    if args.winnow_only:
        print(json.dumps(winnow | {"peak_rss_mb": round(winnow_rss)}, indent=2, default=str))
        return

    # --- datatrove: the same raw documents and the tokenizer the build trained.
    corpus = export_raw_documents(db, work / "datatrove_in")
    tokenizer_json = work / "tokenizer.json"
    shutil.copy(project.root / "out" / "tokenizer.json", tokenizer_json)
    datatrove_s, datatrove_rss, out = timed(
        [
            str(args.datatrove_python),
            str(ROOT / "bench" / "datatrove_pipeline.py"),
            str(work / "datatrove_in"),
            str(work / "datatrove_work"),
            str(tokenizer_json),
            str(args.workers),
            "5",
            str(BANDS),
            str(ROWS),
        ]
    )
    datatrove = json.loads(out.stdout.strip().splitlines()[-1])
    equivalent_s = sum(datatrove["seconds"].values())

    # --- datatrove's two largest stages again, on exactly the documents winnow's stages read
    # (datatrove has no code quality rules, so in the chain above they see about twice the bytes).
    export_stage_input(db, "int_files_exact_deduped", work / "aligned_minhash_in")
    export_stage_input(db, "int_files_curated", work / "aligned_tokenisation_in")
    python, bench = str(args.datatrove_python), ROOT / "bench"
    _, _, out = timed(
        [python, str(bench / "datatrove_minhash.py"), str(work / "aligned_minhash_in"), str(work / "aligned_minhash")]
        + [str(args.workers), "5", str(BANDS), str(ROWS)]
    )
    aligned = {"minhash_dedup": sum(json.loads(out.stdout.strip().splitlines()[-1]).values())}
    _, _, out = timed(
        [python, str(bench / "datatrove_tokenize.py"), str(work / "aligned_tokenisation_in")]
        + [str(work / "aligned_tokenisation"), str(tokenizer_json), str(args.workers)]
    )
    aligned["tokenisation"] = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    aligned_s = equivalent_s - sum(datatrove["seconds"][stage] for stage in aligned) + sum(aligned.values())

    def rounded(value):
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        return round(value, 1) if isinstance(value, float) else value

    print(
        json.dumps(
            {
                "input": corpus,
                "bands_x_rows": f"{BANDS}x{ROWS}",
                "workers": args.workers,
                "winnow": rounded(winnow | {"peak_rss_mb": round(winnow_rss)} | winnow_outcome(db)),
                "datatrove": rounded(
                    datatrove
                    | {
                        "equivalent_stages_seconds": equivalent_s,
                        "process_wall": datatrove_s,
                        "peak_rss_mb": round(datatrove_rss),
                    }
                ),
                "datatrove_on_winnow_stage_inputs": rounded(
                    {"seconds": aligned, "equivalent_stages_seconds": aligned_s}
                ),
                "ratio_datatrove_stages_to_winnow_build": round(equivalent_s / winnow_s, 2),
                "ratio_datatrove_stages_on_winnow_stage_inputs_to_winnow_build": round(aligned_s / winnow_s, 2),
                "ratio_datatrove_stages_to_winnow_comparable_node_seconds": round(
                    equivalent_s / winnow["comparable_node_seconds_total"], 2
                ),
                "ratio_datatrove_stages_to_winnow_comparable_wall_seconds": round(
                    equivalent_s / winnow["comparable_wall_seconds_total"], 2
                ),
                "ratio_datatrove_stages_on_winnow_stage_inputs_to_winnow_comparable_wall_seconds": round(
                    aligned_s / winnow["comparable_wall_seconds_total"], 2
                ),
                "ratio_by_stage_to_winnow_wall_seconds": {
                    stage: round(datatrove["seconds"][stage] / seconds, 2)
                    for stage, seconds in winnow["comparable_wall_seconds"].items()
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
