"""The whole dbt project builds on DuckDB and on Apache Spark (local[2], through `winnow spark`)
from the same raw files, and gives the same rows, every column, of every model, the same
tokenizer.json and byte-identical shards, with manifests that differ only in the field naming the
build. The corpus is small and real: standard-library packages, installed distributions whose
files the code-quality labels describe, documentation files and docstring text, a repository with
a GPL header and GPL subdirectory, an exact and a near duplicate, a secret, a licence header
repeated as boilerplate, a pasted benchmark solution, Python 2 and broken Python, The Stack-style
bad rows (NULL, empty, invalid UTF-8, a repeated row), a Software Heritage export of git
repositories of real packages with a missing blob, a dangling directory entry and a cycle
(directory blob store), and The Stack v2 metadata over a Parquet blob store. Two mixtures draw
from it: score buckets (dropped, kept, upsampled), repository documents and FIM in both modes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import PROJECT_ROOT, STDLIB, make_dbt_project
from tests.dbt.decontamination_eval import humaneval_task, pasted_into
from tests.dbt.fixtures import write_mixed_license_tree, write_stack_corpus, write_winnow_corpus
from tests.dbt.swh_export import broken_export, build_export, stack_v2_rows, write_export

if not os.environ.get("WINNOW_REQUIRE_SPARK"):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH (Spark needs Java 17)", allow_module_level=True)

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

# Every model of the project (the dbt Python models have SQL twins under spark/: one name each).
MODELS = tuple(sorted({path.stem for path in (PROJECT_ROOT / "models").rglob("*") if path.suffix in (".sql", ".py")}))

# Distributions with files in seeds/code_quality_labels.csv on both sides of the held-out split,
# so the ridge model is fitted (and scored) on real labels.
LABELLED_DISTRIBUTIONS = ["filelock", "iniconfig", "truststore", "sortedcontainers", "typing-inspection"]

# A cache row carries the fingerprint of the code that computed it: the model's compiled SQL,
# which is each engine's own dialect. Every other column is compared.
ENGINE_SPECIFIC_COLUMNS = {"fingerprint"}

SECRET = 'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'

# A licence header on more files than boilerplate_document_threshold (10): boilerplate, removed.
LICENCE_HEADER = """# Copyright 2026 Acme Corporation. All rights reserved.
# Licensed under the MIT License; see LICENSE.txt in the project root
# for the full text of the licence that covers this file.
"""
HEADERED_MODULES = [
    "colorsys.py",
    "bisect.py",
    "heapq.py",
    "glob.py",
    "fnmatch.py",
    "shlex.py",
    "sched.py",
    "queue.py",
    "graphlib.py",
    "stat.py",
    "secrets.py",
    "copy.py",
    "genericpath.py",
    "reprlib.py",
]

SEQ_LEN = 512
VARS = {
    "tokenizer_train_bytes": 1_000_000,
    "tokenizer_vocab_size": 1024,
    "tokenizer_engine_check_bytes": 100_000,
    "seq_len": SEQ_LEN,
    "packing_tail": "pad",
    "validation_fraction": 0.25,
    "repository_document_max_tokens": 16384,
    "export_tokens_per_shard": SEQ_LEN * 200,
}
# by_score: Nemotron-CC's shape (drop the lowest scores, keep the middle once, upsample the best)
# next to repository documents of the Stack v2 origins; weighted: code and web text by weight,
# with buckets under '*'; tempered: shares from tokens^(1/temperature). FIM on, half of it SPM.
MIXTURES = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate,kind
by_score,stdlib,,2,,,0.5,0.5,
by_score,stack_v2,,1,,,0.5,0.5,repo
weighted,stdlib,0.6,,,,0.5,0.5,
weighted,stack_v2,0.2,,,,0.5,0.5,
weighted,text,0.2,,,,0.5,0.5,
tempered,stdlib,,,2,,0.5,0.5,
tempered,text,,,2,,0.5,0.5,
"""
BUCKETS = """mixture,source,min_score,repeats
by_score,stdlib,2,1
by_score,stdlib,3,2.5
weighted,*,0,0.5
weighted,*,3,3
"""

# Runs in its own process (one JVM, Derby metastore in the scratch directory): seeds and builds
# through the runner, then writes each model's rows to Parquet for the comparison.
SPARK_BUILD = textwrap.dedent(
    """
    import sys
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession
    from python_udfs.cli import spark as runner

    out, models, dbt_vars = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
    # The singular data tests (the ledger and funnel reconciliations, ...) run on Spark too; the
    # generic ones (unique, not_null, accepted_values) are dbt's own SQL, and the rows they would
    # check on Spark are compared with DuckDB's, where they run.
    for command in (["seed"], ["run", "--vars", dbt_vars], ["test", "--select", "test_type:singular", "--vars", dbt_vars]):
        if runner.main(command) != 0:
            sys.exit(f"winnow spark {command[0]} failed")
    spark = SparkSession.builder.getOrCreate()
    for model in models:
        pq.write_table(spark.sql(f"select * from winnow.{model}").toArrow(), f"{out}/{model}.parquet")
    """
)


def write_repository(root: Path) -> Path:
    """A repository of real code with a GPL header file, a GPL subdirectory, an exact duplicate
    and a near duplicate of one file, and a file holding a secret."""
    write_mixed_license_tree(root)
    encoder = (STDLIB / "json" / "encoder.py").read_text()
    (root / "copies").mkdir()
    (root / "copies" / "encoder_copy.py").write_text(encoder)
    (root / "copies" / "encoder_near.py").write_text(encoder.replace("def encode(self, o):", "def encode(self, obj):"))
    (root / "settings.py").write_text((STDLIB / "json" / "tool.py").read_text() + SECRET)
    # An address in a path: metadata redaction replaces it before any table stores the path.
    (root / "authors" / "jane.doe@corp-mail.com").mkdir(parents=True)
    (root / "authors" / "jane.doe@corp-mail.com" / "notes.py").write_text((STDLIB / "json" / "scanner.py").read_text())
    # Python 2 (a print statement after real code) and Python cut off mid-statement.
    (root / "legacy.py").write_text((STDLIB / "json" / "tool.py").read_text() + '\nprint "legacy"\n')
    decoder = (STDLIB / "json" / "decoder.py").read_text()
    (root / "truncated.py").write_text(decoder[: decoder.index("def py_scanstring")] + "def py_scanstring(s, end,\n")
    (root / "headered").mkdir()
    for module in HEADERED_MODULES:
        (root / "headered" / module).write_text(LICENCE_HEADER + (STDLIB / module).read_text())
    # HumanEval/0 (prompt and canonical solution) pasted into a real module: decontamination drops it.
    task = humaneval_task("HumanEval/0")
    (root / "contaminated.py").write_text(
        pasted_into((STDLIB / "csv.py").read_text(), task["prompt"] + task["canonical_solution"])
    )
    return root


class Builds(NamedTuple):
    """One directory of <model>.parquet per engine, and each engine's output directory."""

    duckdb_rows: Path
    spark_rows: Path
    duckdb_out: Path
    spark_out: Path
    duckdb_database: Path


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    from python_udfs.cli.ingest import ingest, stdlib_input, tree_input
    from python_udfs.cli.text_corpus import stdlib_docstring_documents, write_text_corpus

    base = tmp_path_factory.mktemp("spark_parity")
    project = make_dbt_project(base / "project")
    raw = base / "raw"
    write_winnow_corpus(
        raw / "stdlib",
        ["json", "email", "asyncio", "unittest", "xml", "http", "multiprocessing", "importlib", "ctypes", "idlelib"],
        LABELLED_DISTRIBUTIONS,
    )
    # The same tree twice: opted out (acme/mixed) and not, so its license rules and Python rules apply.
    repository = write_repository(base / "repository")
    ingest(
        [tree_input(repository, repo="acme/mixed"), tree_input(repository, repo="acme/licensed")],
        raw / "repository",
        progress=False,
    )
    write_stack_corpus(raw / "stack")
    import pyarrow as pa
    import pyarrow.parquet as pq

    export, _missing_blob = broken_export(build_export(base / "swh"))
    write_export(export, raw / "swh" / "export", raw / "swh" / "blobs")
    stack_v2 = stack_v2_rows(export, "MIT")
    (raw / "stack_v2" / "blobs").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(stack_v2), raw / "stack_v2" / "files.parquet")
    stored = sorted({row["blob_id"] for row in stack_v2} & set(export.blobs))
    pq.write_table(
        pa.table({"blob_id": stored, "content": [export.blobs[blob] for blob in stored]}),
        raw / "stack_v2" / "blobs" / "part-0.parquet",
    )
    ingest([stdlib_input(["json", "email", "idlelib", "unittest"])], raw / "docs", progress=False, kind="docs")
    write_text_corpus(
        stdlib_docstring_documents(["json", "email", "asyncio", "unittest", "xml", "http", "textwrap", "argparse"]),
        raw / "text",
    )
    project.write_sources(
        [
            {"source_name": "stdlib", "parquet_glob": f"{raw}/stdlib/*.parquet", "flavour": "winnow", "tier": 1},
            {
                "source_name": "repository",
                "parquet_glob": f"{raw}/repository/*.parquet",
                "flavour": "winnow",
                "tier": 1,
            },
            {"source_name": "stack", "parquet_glob": f"{raw}/stack/*.parquet", "flavour": "the_stack", "tier": 2},
            {
                "source_name": "swh",
                "parquet_glob": f"{raw}/swh/export",
                "flavour": "swh",
                "tier": 2,
                "blob_store": f"{raw}/swh/blobs",
            },
            {
                "source_name": "stack_v2",
                "parquet_glob": f"{raw}/stack_v2/files.parquet",
                "flavour": "the_stack_v2",
                "tier": 2,
                "blob_store": f"{raw}/stack_v2/blobs",
            },
            {"source_name": "docs", "parquet_glob": f"{raw}/docs/*.parquet", "flavour": "winnow", "tier": 1},
            {"source_name": "text", "parquet_glob": f"{raw}/text/*.parquet", "flavour": "text", "tier": 2},
        ]
    )

    # The repository opted out as a forge URL: the opt-out key normalises both sides to acme/mixed.
    opt_outs = project.root / "seeds" / "opt_out_repos.csv"
    opt_outs.write_text(opt_outs.read_text() + "https://github.com/Acme/Mixed.git,2026-11-30,parity test\n")
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURES)
    (project.root / "seeds" / "mixture_score_buckets.csv").write_text(BUCKETS)
    # Both engines write <base>/out (so paths in rows and manifests are the same); DuckDB's is
    # moved aside before Spark's build starts from an empty directory.
    dbt_vars = json.dumps({**VARS, "output_dir": str(base / "out")})
    result = project.dbt("build", "--vars", dbt_vars)
    assert result.returncode == 0, result.stdout[-3000:]
    duckdb_rows = base / "duckdb_rows"
    duckdb_rows.mkdir()
    import duckdb

    with duckdb.connect(str(project.root / "winnow.duckdb"), read_only=True) as con:
        for model in MODELS:
            con.execute(f"copy (select * from main.{model}) to '{duckdb_rows / model}.parquet' (format parquet)")
    (base / "out").rename(base / "out_duckdb")

    spark_rows = base / "spark_rows"
    spark_rows.mkdir()
    environment = {
        **os.environ,
        **project.environment(),
        "DBT_PROFILES_DIR": str(project.root),
        "WINNOW_SPARK_DIR": str(base / "spark"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    result = subprocess.run(
        [sys.executable, "-c", SPARK_BUILD, str(spark_rows), ",".join(MODELS), dbt_vars],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    return Builds(duckdb_rows, spark_rows, base / "out_duckdb", base / "out", project.root / "winnow.duckdb")


def text_as_staged(table):
    """A staging view's text columns with invalid UTF-8 repaired as DuckDB's reader repairs it.
    Staging views hold the text as each engine's reader gives it, and Spark's gives the bytes: the
    first table, int_raw_files_checked, repairs them with this same kernel (utf8_repaired_text), so
    every table is compared as it is."""
    import pyarrow as pa

    from python_udfs.kernels.utf8_repair import utf8_replaced

    for index, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(index, field.name, utf8_replaced(table.column(index).cast(pa.binary())))
    return table


def integral_numbers_as_int(value):
    """The value with every whole float as an int, inside lists and structs too: DuckDB's sum of
    integers is a HUGEINT, which its Parquet writer stores as DOUBLE (15.0), while Spark's is a
    BIGINT (15)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral_numbers_as_int(item) for item in value]
    if isinstance(value, dict):
        return {key: integral_numbers_as_int(item) for key, item in value.items()}
    return value


def sorted_rows(path: Path) -> tuple[list[str], list[str]]:
    """(column names, every row as canonical JSON, sorted): equal values compare equal whatever
    integer width or list type each engine chose. Engine-specific columns are left out."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if path.stem.startswith("stg_"):
        table = text_as_staged(table)
    table = table.drop_columns([name for name in table.column_names if name in ENGINE_SPECIFIC_COLUMNS])
    rows = sorted(json.dumps(integral_numbers_as_int(row), sort_keys=True, default=str) for row in table.to_pylist())
    return table.column_names, rows


@pytest.mark.parametrize("model", MODELS)
def test_spark_gives_the_same_rows_as_duckdb(builds, model):
    duckdb_rows, spark_rows = builds.duckdb_rows, builds.spark_rows
    columns, expected = sorted_rows(duckdb_rows / f"{model}.parquet")
    spark_columns, got = sorted_rows(spark_rows / f"{model}.parquet")
    assert spark_columns == columns
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    assert len(got) == len(expected) and not missing and not extra, (
        f"{model}: {len(expected)} rows on DuckDB, {len(got)} on Spark; "
        f"only on DuckDB: {missing[:3]}; only on Spark: {extra[:3]}"
    )


def test_the_corpus_holds_what_the_parity_is_about(builds):
    """The comparison is over rows that matter: a few hundred files, bad rows, a duplicate row,
    redacted metadata, the GPL header file, the secret's file and both copies."""
    import pyarrow.parquet as pq

    duckdb_rows = builds.duckdb_rows
    checked = pq.read_table(duckdb_rows / "int_raw_files_checked.parquet").to_pylist()
    assert len(checked) > 300
    rules = {row["staging_rule"] for row in checked}
    assert {"null_content", "empty_content", "invalid_utf8", "duplicate_row", None} <= rules
    assert {"missing_blob", "dangling_directory_entry", "directory_cycle"} <= rules
    assert {row["source"] for row in checked if row["staging_rule"] is None} >= {"swh", "stack_v2"}
    assert any(row["path"] == "settings.py" and row["repo"] == "acme/mixed" for row in checked)
    assert any(row["path"] == "gpl_header.py" for row in checked)
    assert len({row["content_hash"] for row in checked if row["path"].startswith("copies/")}) == 2
    assert [row["metadata_redactions"] for row in checked if row["path"].endswith("/notes.py")] == [["path:email"]] * 2
    opted_out = pq.read_table(duckdb_rows / "int_files_opted_out.parquet").to_pylist()
    assert {row["repo_key"] for row in opted_out} == {"acme/mixed"} and len(opted_out) > 10


def test_the_quality_stage_meets_every_kind_of_rule(builds):
    """02_quality's parity covers each branch: opt-out, license evidence (an SPDX OR header, a GPL
    header and license file), code rules, the Python syntax rules, prose rules on docs and text,
    files kept, and a code-quality model fitted on real labels and scored on held-out files."""
    import pyarrow.parquet as pq

    duckdb_rows = builds.duckdb_rows
    verdicts = pq.read_table(duckdb_rows / "int_files_filtered.parquet").to_pylist()
    rules = {row["filter_rule"] for row in verdicts}
    assert {None, "opt_out", "license_not_allowed", "python2_syntax", "python_syntax_error"} <= rules
    assert {row["kind"] for row in verdicts if row["filter_rule"] is None} == {"code", "text"}
    assert "docs" in {row["kind"] for row in verdicts}
    assert any(rule and rule.startswith("gopher_") for rule in rules)
    evidence = pq.read_table(duckdb_rows / "int_file_license_evidence.parquet").to_pylist()
    assert [["GPL-3.0-only"], ["MIT"]] in [row["spdx_header_alternatives"] for row in evidence]
    model = pq.read_table(duckdb_rows / "int_code_quality_model.parquet").to_pylist()[0]
    assert model["n_training_files"] >= 10 and model["n_features"] > 500
    label_scores = pq.read_table(duckdb_rows / "int_code_quality_label_scores.parquet").to_pylist()
    assert {row["split"] for row in label_scores} == {"train", "heldout"}
    scores = pq.read_table(duckdb_rows / "int_code_quality_scores_cache.parquet").to_pylist()
    assert len(scores) > 300 and all(row["quality_score"] is not None for row in scores)


def test_dedup_meets_exact_and_near_duplicates(builds):
    """03_dedup's parity is over clusters that exist: the licensed repository repeats files of
    the standard library exactly (encoder_copy.py) and nearly (encoder_near.py)."""
    import pyarrow.parquet as pq

    duckdb_rows = builds.duckdb_rows
    exact = pq.read_table(duckdb_rows / "int_exact_dup_clusters.parquet").to_pylist()
    assert any(row["cluster_size"] > 1 for row in exact)
    near = pq.read_table(duckdb_rows / "int_near_dup_clusters.parquet").to_pylist()
    assert any(row["is_removed"] for row in near)
    assert pq.read_table(duckdb_rows / "int_near_dup_components.parquet").num_rows >= 2


def test_a_row_of_invalid_utf8_is_dropped_at_staging_on_both_engines_with_one_doc_id(builds):
    """Spark repairs the bytes as DuckDB's reader does (winnow_utf8_replaced), so the dropped row's
    text, hash and doc_id agree too, and the ledger names the same document on both engines."""
    import pyarrow.parquet as pq

    columns = ["source", "source_file", "source_row", "doc_id", "content_hash", "staging_rule", "staging_threshold"]
    duckdb_rows, spark_rows = (
        [
            row
            for row in pq.read_table(rows / "int_raw_files_checked.parquet", columns=[*columns, "path"]).to_pylist()
            if row["path"] == "bad/invalid.py"
        ]
        for rows in (builds.duckdb_rows, builds.spark_rows)
    )
    assert duckdb_rows == spark_rows
    assert [row["staging_rule"] for row in duckdb_rows] == ["invalid_utf8"]


def test_redaction_and_decontamination_meet_boilerplate_a_secret_and_a_benchmark_paste(builds):
    """04_redaction and 05_decontamination's parity is over edits that happen: the licence header
    repeated across files is boilerplate and removed, the secret is redacted, and the file holding
    HumanEval/0 is dropped by decontamination (the ledger's row, not a curated one)."""
    import pyarrow.parquet as pq

    duckdb_rows = builds.duckdb_rows
    blocks = pq.read_table(duckdb_rows / "int_boilerplate_blocks.parquet").to_pylist()
    assert any(row["is_boilerplate"] and row["n_documents"] >= len(HEADERED_MODULES) for row in blocks)
    edits = pq.read_table(duckdb_rows / "int_boilerplate_edits.parquet").to_pylist()
    assert len({row["doc_id"] for row in edits}) >= len(HEADERED_MODULES)
    redacted = pq.read_table(duckdb_rows / "int_files_redacted.parquet").to_pylist()
    secret_files = [row for row in redacted if row["path"] == "settings.py"]
    assert secret_files and all(
        row["n_pii_findings"] > 0 and "wJalrXUtnFEMI" not in row["content"] for row in secret_files
    )
    matches = pq.read_table(duckdb_rows / "int_decontamination_matches.parquet").to_pylist()
    assert any(row["is_contaminated"] and row["task_id"] == "HumanEval/0" for row in matches)
    ledger = pq.read_table(duckdb_rows / "fct_drop_ledger.parquet").to_pylist()
    dropped = {(row["path"], row["stage"]) for row in ledger}
    assert ("contaminated.py", "decontamination") in dropped
    assert {"staging", "license", "quality", "exact_dedup", "near_dedup", "decontamination"} <= {
        stage for _, stage in dropped
    }
    curated = pq.read_table(duckdb_rows / "fct_curated_files.parquet").to_pylist()
    assert len(curated) > 300 and "contaminated.py" not in {row["path"] for row in curated}


def test_mixing_meets_buckets_repository_documents_and_fim(builds):
    """The training models' parity is over what they do: buckets dropped, kept and upsampled
    (with a fractional copy), FIM copies of files and of repository documents in PSM and SPM,
    repository documents of several files, both splits, and windows of both mixtures."""
    import pyarrow.parquet as pq

    duckdb_rows = builds.duckdb_rows
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
    windows = pq.read_table(duckdb_rows / "fct_packed_sequences.parquet").to_pylist()
    assert {(w["mixture"], w["split"]) for w in windows} == {
        (m, s) for m in ("by_score", "weighted", "tempered") for s in ("train", "validation")
    }
    assert any(w["n_padding"] > 0 for w in windows) and any(len(w["boundaries"]) > 1 for w in windows)
    assert all(len(w["input_ids"]) == SEQ_LEN for w in windows)


def test_the_trained_tokenizer_json_is_byte_identical(builds):
    [tokenizer] = pq_rows(builds.duckdb_rows, "int_tokenizer_prepared")
    assert tokenizer["origin"] == "trained" and tokenizer["train_docs"] > 50
    expected = (builds.duckdb_out / "tokenizer.json").read_bytes()
    assert (builds.spark_out / "tokenizer.json").read_bytes() == expected


def written_files(out: Path) -> dict[str, bytes]:
    """Every file an export wrote under the mixtures' directories, by path (the lock aside)."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for mixture in ("by_score", "weighted", "tempered")
        for path in sorted((out / mixture).rglob("*"))
        if path.is_file()
    }


def test_every_shard_file_is_byte_identical(builds):
    expected, got = written_files(builds.duckdb_out), written_files(builds.spark_out)
    assert sorted(got) == sorted(expected)
    differing = [path for path in expected if not path.endswith("manifest.json") and got[path] != expected[path]]
    assert differing == []
    shards = pq_rows(builds.duckdb_rows, "fct_exported_shards")
    assert {row["format"] for row in shards} == {"parquet", "megatron", "npy", "nanogpt"}
    assert max(row["shard"] for row in shards) >= 1, "a split of several shards"


def test_the_manifests_differ_only_in_the_build(builds):
    for mixture in ("by_score", "weighted", "tempered"):
        expected = json.loads((builds.duckdb_out / mixture / "manifest.json").read_text())
        got = json.loads((builds.spark_out / mixture / "manifest.json").read_text())
        assert expected["build"] == {"database": str(builds.duckdb_database)}
        assert got["build"]["engine"] == "spark" and got["build"]["schema"] == "winnow"
        assert got["build"]["warehouse"].endswith("warehouse")
        assert {**got, "build": None} == {**expected, "build": None}
        provenance = expected["provenance"]
        assert provenance["raw_inputs"] and provenance["funnel"] and provenance["curated_tokens"]
        assert expected["packing_report"] and expected["mixture_tokens"]


def pq_rows(directory: Path, model: str) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(directory / f"{model}.parquet").to_pylist()
