"""The SQL models of tokenisation, mixing and the training marts (with their reports) give the same
rows on Apache Spark (local[2], through `winnow spark`) as on DuckDB, every column. The corpus is
real code: the files of seeds/code_quality_labels.csv as this interpreter installs them, so the
code-quality model scores them into score buckets, and standard-library packages whose Python
files become repository documents. Three mixtures: `by_score`, an epochs row over score buckets (a
dropped, a kept and an upsampled bucket) next to a row of kind repo, `weighted`, weight rows with
buckets under '*', and `tempered`, shares from tokens^(1/temperature); all with FIM on.

The stages upstream of tokenisation and the three dbt Python models (int_tokenizer_prepared,
fct_packed_sequences, fct_exported_shards) are built on DuckDB and their tables handed to Spark as
Parquet (docs/spark.md): this module compares the models of TRAINING_MODELS only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from python_udfs.cli.ingest import ingest, stdlib_input
from tests.conftest import make_dbt_project
from tests.dbt.fixtures import write_labelled_code_corpus

if not os.environ.get("WINNOW_REQUIRE_SPARK"):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH (Spark needs Java 17)", allow_module_level=True)

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

# The models this module ports, in pipeline order; the Spark build selects exactly these.
TRAINING_MODELS = (
    "int_tokenizer_samples",
    "int_token_ids_cache",
    "int_files_tokenized",
    "int_repository_file_imports",
    "int_repository_files_ordered",
    "int_repository_documents",
    "int_repository_token_ids_cache",
    "int_mixture_documents",
    "int_mixture_sources_planned",
    "int_mixture_buckets_planned",
    "int_mixture_copies_ordered",
    "int_mixture_copies_fim_decided",
    "int_fim_token_ids_cache",
    "int_repository_fim_token_ids_cache",
    "fct_mixture",
    "fct_training_documents",
    "fct_mixture_realised",
    "fct_repo_splits",
    "fct_packing_stats",
    "rpt_mixture",
    "rpt_mixture_kinds",
    "rpt_packing",
)

# What they read from stages ported elsewhere (and the dbt Python models): DuckDB's tables,
# created in Spark's warehouse before the build.
UPSTREAM_TABLES = (
    "int_files_curated",
    "fct_curated_files",
    "int_raw_files_checked",
    "int_boilerplate_blocks",
    "int_tokenizer_prepared",
    "fct_packed_sequences",
)

VARS = {
    "tokenizer_train_bytes": 1_000_000,
    "tokenizer_vocab_size": 1024,
    "tokenizer_engine_check_bytes": 100_000,
    "seq_len": 512,
    "validation_fraction": 0.25,
    "repository_document_max_tokens": 8192,
}
MIXTURES = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate,kind
by_score,code,,2,,,0.5,0.5,
by_score,small,,1,,,0.5,0.5,repo
weighted,code,0.7,,,,0.5,0.5,
weighted,small,0.3,,,,0.5,0.5,
tempered,code,,,2,,0.5,0.5,
tempered,small,,,2,,0.5,0.5,
"""
# Nemotron-CC's shape: drop the lowest scores, keep the middle once, upsample the best.
BUCKETS = """mixture,source,min_score,repeats
by_score,code,2,1
by_score,code,3,2.5
weighted,*,0,0.5
weighted,*,3,3
"""

# A cache row carries the fingerprint of the code that computed it: the model's compiled SQL,
# which is each engine's own dialect. Every other column is compared.
ENGINE_SPECIFIC_COLUMNS = {"fingerprint"}

# Runs in its own process (one JVM, Derby metastore in the scratch directory): seeds, creates the
# upstream tables from DuckDB's Parquet, builds through the runner, then writes each model's rows
# to Parquet for the comparison.
SPARK_BUILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import pyarrow.parquet as pq
    from python_udfs.cli import spark as runner

    out, upstream_dir, upstream, models = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")
    # Only the seeds these models read: loading a seed on Spark takes seconds per row batch.
    if runner.main(["seed", "--select", "mixtures", "mixture_score_buckets", "corpus_sources"]) != 0:
        sys.exit("winnow spark seed failed")
    spark = runner.spark_session(Path(os.environ["WINNOW_SPARK_DIR"]))
    for table in upstream:
        spark.sql(f"drop table if exists winnow.{table}")
        spark.sql(f"create table winnow.{table} using parquet as select * from parquet.`{upstream_dir}/{table}.parquet`")
    if runner.main(["run", "--select", *models, "--vars", sys.argv[5]]) != 0:
        sys.exit("winnow spark run failed")
    for model in models:
        pq.write_table(spark.sql(f"select * from winnow.{model}").toArrow(), f"{out}/{model}.parquet")
    """
)


def build_on_duckdb(base: Path):
    """The corpus, the project and its DuckDB build; returns the project."""
    write_labelled_code_corpus(base / "code", others=40)
    ingest([stdlib_input(["json", "tomllib", "email", "importlib"])], base / "small", progress=False)
    project = make_dbt_project(base / "project")
    project.write_sources(
        [
            {"source_name": name, "parquet_glob": f"{base}/{name}/*.parquet", "flavour": "winnow", "tier": 1}
            for name in ("code", "small")
        ]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURES)
    (project.root / "seeds" / "mixture_score_buckets.csv").write_text(BUCKETS)
    selection = ["+" + model for model in TRAINING_MODELS] + ["+fct_curated_files"]
    for args in (["seed"], ["run", "--select", *selection, "--vars", json.dumps(VARS)]):
        result = project.dbt(*args)
        assert result.returncode == 0, result.stdout[-4000:]
    return project


def export_duckdb_tables(project, models, directory: Path) -> None:
    """Each model's rows as <model>.parquet. DuckDB's sums of BIGINTs are HUGEINTs, which Parquet
    stores as doubles (Spark's sums stay BIGINT): written as BIGINT, a cast that fails rather than
    changes a value that does not fit."""
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(project.root / "winnow.duckdb"), read_only=True) as con:
        for model in models:
            columns = [
                f'cast("{name}" as {kind.replace("HUGEINT", "BIGINT")}) as "{name}"'
                if "HUGEINT" in kind
                else f'"{name}"'
                for name, kind, *_ in con.execute(f"describe main.{model}").fetchall()
            ]
            con.execute(
                f"copy (select {', '.join(columns)} from main.{model}) to '{directory / model}.parquet' (format parquet)"
            )


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """(DuckDB rows, Spark rows): one directory of <model>.parquet per engine."""
    base = tmp_path_factory.mktemp("spark_training_parity")
    project = build_on_duckdb(base)
    duckdb_rows, upstream, spark_rows = base / "duckdb_rows", base / "upstream", base / "spark_rows"
    export_duckdb_tables(project, TRAINING_MODELS, duckdb_rows)
    export_duckdb_tables(project, UPSTREAM_TABLES, upstream)
    spark_rows.mkdir()
    environment = {
        **os.environ,
        **project.environment(),
        "DBT_PROFILES_DIR": str(project.root),
        "WINNOW_SPARK_DIR": str(base / "spark"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SPARK_BUILD,
            str(spark_rows),
            str(upstream),
            ",".join(UPSTREAM_TABLES),
            ",".join(TRAINING_MODELS),
            json.dumps(VARS),
        ],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    return duckdb_rows, spark_rows


def sorted_rows(path: Path) -> tuple[list[str], list[str]]:
    """(column names, every row as canonical JSON, sorted): equal values compare equal whatever
    integer width or list type each engine chose. Engine-specific columns are left out."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    table = table.drop_columns([name for name in table.column_names if name in ENGINE_SPECIFIC_COLUMNS])
    rows = sorted(json.dumps(row, sort_keys=True, default=str) for row in table.to_pylist())
    return table.column_names, rows


@pytest.mark.parametrize("model", TRAINING_MODELS)
def test_spark_gives_the_same_rows_as_duckdb(builds, model):
    duckdb_rows, spark_rows = builds
    columns, expected = sorted_rows(duckdb_rows / f"{model}.parquet")
    spark_columns, got = sorted_rows(spark_rows / f"{model}.parquet")
    assert spark_columns == columns
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    assert len(got) == len(expected) and not missing and not extra, (
        f"{model}: {len(expected)} rows on DuckDB, {len(got)} on Spark; "
        f"only on DuckDB: {[row[:600] for row in missing[:2]]}; only on Spark: {[row[:600] for row in extra[:2]]}"
    )


def test_the_corpus_holds_what_the_parity_is_about(builds):
    """The comparison is over rows that matter: every kind of score bucket with documents, whole
    and fractional copies, FIM copies of files and of repository documents in PSM and SPM, and
    repository documents of several files in both splits."""
    import pyarrow.parquet as pq

    duckdb_rows, _ = builds
    buckets = pq.read_table(duckdb_rows / "int_mixture_buckets_planned.parquet").to_pylist()
    assert {row["mixture"] for row in buckets} == {"by_score", "weighted", "tempered"}
    assert any(row["repeats"] == 0 and row["bucket_files"] > 0 for row in buckets)
    assert any(row["repeats"] > 1 and row["bucket_files"] > 0 for row in buckets)
    assert any(0 < row["fractional_copy_tokens"] for row in buckets)
    documents = pq.read_table(duckdb_rows / "fct_training_documents.parquet").to_pylist()
    assert {(row["documents"], row["is_fim"], row["is_spm"]) for row in documents} == {
        (documents, is_fim, is_spm)
        for documents in ("files", "repo")
        for is_fim, is_spm in ((False, False), (True, False), (True, True))
    }
    repository_documents = pq.read_table(duckdb_rows / "int_repository_documents.parquet").to_pylist()
    assert any(row["n_files"] > 3 for row in repository_documents)
    splits = pq.read_table(duckdb_rows / "fct_repo_splits.parquet").to_pylist()
    assert {row["split"] for row in splits} == {"train", "validation"}
    packing = pq.read_table(duckdb_rows / "fct_packing_stats.parquet").to_pylist()
    assert len(packing) == 6
