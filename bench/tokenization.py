"""Benchmark: winnow's tokenisation against the tokenizer library and datatrove, same texts, one run.

    flock /tmp/winnow-bench.lock .venv/bin/python bench/tokenization.py [--work data/bench/tokenize] [--reuse]

(Not bench/tokenize.py: a script of that name would shadow the standard library's tokenize module.)

1. Ingests the default corpus (standard library + installed packages) and runs `dbt build` with the
   default vars: the curated corpus and winnow's trained 32k byte-level BPE (out/tokenizer.json).
2. In this process, on the curated texts: `Tokenizer.encode_batch` and `encode_batch_fast` called
   directly on 2,048 texts at a time (the reference), tiktoken with the same ranks (winnow's encode(): slices of the
   texts on every core), and the `winnow_tokenize` UDF inside
   DuckDB (2 threads) with each engine. Prints throughputs and the UDF / direct ratios.
3. The stage (`dbt run` of int_tokenizer_prepared with that tokenizer as a user file,
   int_files_tokenized, int_mixture_sources_planned, int_mixture_copies_ordered, fct_training_documents; dbt
   start-up included) against datatrove 0.10.1's DocumentTokenizer with the same tokenizer.json and
   2 workers, for a one-epoch mixture and a three-epoch mixture with FIM off (datatrove reads the
   three copies of every document, as it would to repeat data).

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
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import timed  # noqa: E402

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input  # noqa: E402
from python_udfs.engine.plugin import register_udfs  # noqa: E402
from python_udfs.kernels.bpe_tokenizer import encode, load_tokenizer  # noqa: E402
from tests.conftest import DbtProject, make_dbt_project  # noqa: E402

STAGE_MODELS = [
    "int_tokenizer_prepared",
    "int_token_ids_cache",
    "int_files_tokenized",
    "int_mixture_sources_planned",
    "int_mixture_copies_ordered",
    "int_mixture_copies_fim_decided",
    "int_fim_token_ids_cache",
    "fct_training_documents",
]
VECTOR = 2048
HEADER = "mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate\n"


def seconds(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def write_copies(docs: pa.Table, directory: Path, copies: int, files: int = 8) -> None:
    """Every document ``copies`` times (ids doc_id-copy) as ``files`` Parquet files for datatrove."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    repeated = pa.concat_tables(
        [pa.table({"id": [f"{i}-{c}" for i in docs["id"].to_pylist()], "text": docs["text"]}) for c in range(copies)]
    )
    step = -(-len(repeated) // files)
    for i in range(files):
        pq.write_table(repeated.slice(i * step, step), directory / f"part-{i}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "tokenize")
    parser.add_argument("--datatrove-python", type=Path, default=ROOT / ".venv-datatrove" / "bin" / "python")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the built project of an earlier run")
    args = parser.parse_args()
    work = args.work.resolve()
    project_dir = work / "project"
    db = project_dir / "winnow.duckdb"

    if not (args.reuse and db.exists()):
        shutil.rmtree(work, ignore_errors=True)
        ingest([stdlib_input(), *distribution_inputs()], work / "raw", progress=False)
        project = make_dbt_project(project_dir)
        project.write_sources(
            [{"source_name": "default", "parquet_glob": f"{work}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
        )
        result = project.dbt("build")
        if result.returncode != 0:
            raise SystemExit(result.stdout[-3000:])
    project = DbtProject(project_dir)
    with duckdb.connect(str(db), read_only=True) as con:
        docs = con.sql("select doc_id as id, content as text from fct_curated_files order by doc_id").to_arrow_table()
    # The tokenizer the build trained (stage runs below use a copy as a user file: no retraining).
    tokenizer_json = work / "tokenizer.json"
    shutil.copy(project_dir / "out" / "tokenizer.json", tokenizer_json)
    texts = docs["text"].to_pylist()
    megabytes = sum(len(t.encode()) for t in texts) / 1e6

    # --- The UDF against the library, same texts, same process.
    tokenizer = load_tokenizer(tokenizer_json)
    hf = tokenizer.hf  # encode_special_tokens = True, as the pipeline encodes
    # The library at its best: one call per 2,048 texts (DuckDB's vector size), results dropped as
    # they come. One call over all 6,588 texts is 5x slower here: it holds 20M tokens' Encoding
    # objects (ids, offsets and token strings) at once.
    batches = [texts[i : i + VECTOR] for i in range(0, len(texts), VECTOR)]
    n_tokens = 0

    def direct(method):
        nonlocal n_tokens
        n_tokens = 0
        for batch in batches:
            n_tokens += sum(len(e.ids) for e in method(batch, add_special_tokens=False))

    direct_s, _ = seconds(lambda: direct(hf.encode_batch))
    fast_s, _ = seconds(lambda: direct(hf.encode_batch_fast))
    tiktoken_s, (lengths, _) = seconds(lambda: encode(tokenizer, texts, "tiktoken"))
    assert int(lengths.sum()) == n_tokens
    udf_s = {}
    with duckdb.connect(config={"threads": args.workers}) as con:
        register_udfs(con)
        con.register("docs", docs)
        con.execute("create table files as select text as content from docs")
        for engine in ("tokenizers", "tiktoken"):
            udf_s[engine], _ = seconds(
                lambda engine=engine: con.execute(
                    "create or replace table tokens as select winnow_tokenize(content, ?, NULL::VARCHAR, ?) as t from files",
                    [str(tokenizer_json), engine],
                )
            )
            [(udf_tokens,)] = con.execute("select sum(t.n_tokens) from tokens").fetchall()
            assert udf_tokens == n_tokens, (engine, udf_tokens, n_tokens)

    # --- The stage against datatrove's DocumentTokenizer, one epoch and three epochs, FIM off.
    dbt = str(Path(sys.executable).parent / "dbt")
    env = {
        "WINNOW_DB": str(db),
        "WINNOW_TEMP_DIR": str(work / "tmp"),
        "WINNOW_THREADS": str(args.workers),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PATH": str(Path(sys.executable).parent),
    }
    stage = {}
    for epochs in (1, 3):
        (project_dir / "seeds" / "mixtures.csv").write_text(HEADER + f"bench,default,,{epochs},,,0.0,\n")
        if project.dbt("seed", "--select", "mixtures").returncode != 0:
            raise SystemExit("dbt seed failed")
        ours_s, ours_rss, _ = timed(
            [
                dbt,
                "run",
                "--full-refresh",
                "--select",
                *STAGE_MODELS,
                "--vars",
                json.dumps({"tokenizer_path": str(tokenizer_json)}),
                "--profiles-dir",
                str(project_dir),
                "--project-dir",
                str(project_dir),
            ],
            cwd=project_dir,
            env=env,
        )
        with duckdb.connect(str(db), read_only=True) as con:
            [(ours_docs, ours_tokens)] = con.sql(
                "select count(*), sum(n_tokens) from fct_training_documents"
            ).fetchall()
        write_copies(docs, work / f"datatrove_in_{epochs}", epochs)
        theirs_s, theirs_rss, out = timed(
            [
                str(args.datatrove_python),
                str(ROOT / "bench" / "datatrove_tokenize.py"),
                str(work / f"datatrove_in_{epochs}"),
                str(work / f"datatrove_work_{epochs}"),
                str(tokenizer_json),
                str(args.workers),
            ]
        )
        theirs = json.loads(out.stdout.strip().splitlines()[-1])
        stage[f"{epochs}_epoch"] = {
            "winnow_seconds": round(ours_s, 1),
            "winnow_peak_rss_mb": round(ours_rss),
            "winnow_documents": ours_docs,
            "winnow_tokens_plus_one_eos_per_document": ours_tokens + ours_docs,
            "datatrove_seconds": round(theirs_s, 1),
            "datatrove_inner_seconds": round(theirs["seconds"], 1),
            "datatrove_peak_rss_mb": round(theirs_rss),
            "datatrove_tokens": theirs["token_bytes"] // 2,
            "speedup": round(theirs_s / ours_s, 2),
        }

    print(
        json.dumps(
            {
                "documents": len(texts),
                "megabytes": round(megabytes, 1),
                "tokens": n_tokens,
                "direct_encode_batch_mb_s": round(megabytes / direct_s, 2),
                "direct_encode_batch_fast_mb_s": round(megabytes / fast_s, 2),
                "tiktoken_direct_mb_s": round(megabytes / tiktoken_s, 2),
                "udf_tokenizers_mb_s": round(megabytes / udf_s["tokenizers"], 2),
                "udf_tiktoken_mb_s": round(megabytes / udf_s["tiktoken"], 2),
                "udf_tokenizers_vs_encode_batch": round(direct_s / udf_s["tokenizers"], 2),
                "udf_tiktoken_vs_encode_batch": round(direct_s / udf_s["tiktoken"], 2),
                "udf_tokenizers_vs_encode_batch_fast": round(fast_s / udf_s["tokenizers"], 2),
                "tiktoken_direct_vs_encode_batch": round(direct_s / tiktoken_s, 2),
                "stage_vs_datatrove": stage,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
