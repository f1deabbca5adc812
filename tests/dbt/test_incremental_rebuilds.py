"""Incremental per-document caches, and builds killed half-way, on real standard-library code.

A cache row that a build reuses keeps its DuckDB rowid; a row a build computes is appended with a
new one. So "(rowid, key) pairs unchanged" proves a stage computed nothing, and "the new pairs are
exactly the new corpus's files" proves it computed only those.
"""

from __future__ import annotations

import glob as glob_module
import hashlib
import json
import os
import re
import signal
import subprocess

import pytest

from tests.conftest import DBT, make_dbt_project
from tests.dbt.fixtures import write_winnow_corpus

pytestmark = pytest.mark.dbt

CACHES = {
    "int_file_signals_cache": ["doc_id"],
    "int_python_syntax_signals_cache": ["doc_id"],
    "int_code_quality_scores_cache": ["doc_id"],
    "int_minhash_signatures_cache": ["doc_id"],
    "int_pii_redactions_cache": ["doc_id"],
    "int_decontamination_scans_cache": ["doc_id"],
    "int_token_ids_cache": ["doc_id"],
    "int_fim_token_ids_cache": ["doc_id", "copy", "is_spm"],
}

# Rebuilds skip the data tests (every other module runs them): these tests are about what is computed.
NO_TESTS = ("--exclude-resource-type", "test")

OUTPUTS = [
    "select * from fct_drop_ledger order by doc_id",
    "select doc_id, content, n_bytes, content_hash from fct_curated_files order by doc_id",
    "select mixture, position, doc_id, copy, is_fim, is_spm, n_tokens, input_ids from fct_training_documents"
    " order by mixture, position",
    "select tokenizer_sha256, engine from int_tokenizer_prepared",
]


def cache_rows(project) -> dict[str, set[tuple]]:
    return {
        cache: set(project.query(f"select rowid, {', '.join(keys)} from {cache}")) for cache, keys in CACHES.items()
    }


def outputs_digest(project) -> str:
    return hashlib.sha256(repr([project.query(sql) for sql in OUTPUTS]).encode()).hexdigest()


def tokenizer_mtime(project) -> int:
    [(path,)] = project.query("select tokenizer_path from int_tokenizer_prepared")
    return os.stat(path).st_mtime_ns


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    write_winnow_corpus(root / "raw" / "first", ["json", "email", "textwrap.py"], ["idna"])
    write_winnow_corpus(root / "raw" / "second", ["http", "wsgiref"], [])
    first = {"source_name": "first", "parquet_glob": f"{root}/raw/first/*.parquet", "flavour": "winnow", "tier": 1}
    second = {"source_name": "second", "parquet_glob": f"{root}/raw/second/*.parquet", "flavour": "winnow", "tier": 2}
    return root, first, second


@pytest.fixture(scope="module")
def built(corpora):
    root, first, _ = corpora
    project = make_dbt_project(root / "project")
    project.write_sources([first])
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def test_every_cache_holds_rows_after_the_first_build(built):
    rows = cache_rows(built)
    assert all(rows[cache] for cache in CACHES), {cache: len(r) for cache, r in rows.items()}


def test_a_second_build_with_nothing_changed_computes_nothing(built):
    rows, digest, mtime = cache_rows(built), outputs_digest(built), tokenizer_mtime(built)
    result = built.dbt("build", *NO_TESTS)
    assert result.returncode == 0, result.stdout[-4000:]
    assert cache_rows(built) == rows
    # Every whole-corpus stage was reused, not computed again (macros/memoized_table.sql).
    memoized, statuses = built.memoized_models(), built.model_statuses()
    assert len(memoized) > 30
    assert {model: statuses[model] for model in memoized} == {model: "REUSED" for model in memoized}
    # The tokenizer was not trained again (the file was not rewritten) and every output is the same.
    assert tokenizer_mtime(built) == mtime
    assert outputs_digest(built) == digest


def test_a_packing_var_rebuilds_only_the_stages_that_read_it(built):
    packed = "select * from fct_packed_sequences order by mixture, split, window_index"
    before, digest = built.query(packed), outputs_digest(built)
    for seq_len in (512, None):  # then back to the default
        vars_ = ("--vars", json.dumps({"seq_len": seq_len})) if seq_len else ()
        result = built.dbt("build", *NO_TESTS, *vars_)
        assert result.returncode == 0, result.stdout[-4000:]
        statuses = built.model_statuses()
        rebuilt = {model for model in built.memoized_models() if statuses[model] != "REUSED"}
        assert rebuilt == {"fct_repo_splits", "fct_packed_sequences", "fct_packing_stats", "fct_exported_shards"}
        assert (built.query(packed) == before) == (seq_len is None)
    assert outputs_digest(built) == digest


def test_a_touched_raw_file_is_staged_again_but_computes_nothing_new(built):
    rows, digest = cache_rows(built), outputs_digest(built)
    [(glob,)] = built.query("select parquet_glob from corpus_sources")
    part = sorted(glob_module.glob(glob))[0]
    os.utime(part)  # same bytes, new mtime: the raw files' state changed
    result = built.dbt("build", *NO_TESTS)
    assert result.returncode == 0, result.stdout[-4000:]
    statuses = built.model_statuses()
    assert statuses["int_raw_files_checked"] != "REUSED"
    # int_files_minhashed reads text through the views, so it is rebuilt; its rows are the same,
    # so what reads only it is not (memoized tables pass on the hash of their rows).
    assert statuses["int_files_minhashed"] != "REUSED"
    assert statuses["int_near_dup_candidates"] == "REUSED"
    assert cache_rows(built) == rows
    assert outputs_digest(built) == digest


def test_changing_a_near_dedup_var_recomputes_the_signatures_only(built):
    before = cache_rows(built)
    result = built.dbt(
        "run",
        "--select",
        "int_file_signals_cache",
        "int_minhash_signatures_cache",
        "--vars",
        json.dumps({"near_dedup_shingle_hash": "sha1"}),
    )
    assert result.returncode == 0, result.stdout[-4000:]
    after = cache_rows(built)
    assert after["int_file_signals_cache"] == before["int_file_signals_cache"]
    # Every signature row was computed again (new rowids), for the same files.
    assert not after["int_minhash_signatures_cache"] & before["int_minhash_signatures_cache"]
    assert {key for _, key in after["int_minhash_signatures_cache"]} >= {
        key for _, key in before["int_minhash_signatures_cache"]
    }
    # Back to the default: the signatures are computed once more, and nothing else moved.
    assert built.dbt("run", "--select", "int_minhash_signatures_cache").returncode == 0


def test_editing_a_macro_a_cache_calls_recomputes_that_cache_only(built):
    # A cache's fingerprint comes from its compiled code, so an edit to a macro it calls is seen
    # like an edit to the model itself (no --full-refresh needed), and other caches are untouched.
    macro = built.root / "macros" / "dedup_hash.sql"
    original = macro.read_text()
    call = "winnow_dedup_hash({{ column }}, "
    assert call in original
    before = cache_rows(built)
    hashes = "select doc_id, dedup_hash from int_file_signals_cache order by doc_id"
    dedup_hashes = built.query(hashes)
    selected = ("--select", "int_file_signals_cache", "int_minhash_signatures_cache")
    try:
        same_result = "winnow_dedup_hash(({{ column }}), "
        macro.write_text(original.replace(call, same_result))
        result = built.dbt("run", *selected)
        assert result.returncode == 0, result.stdout[-4000:]
        after = cache_rows(built)
        assert not after["int_file_signals_cache"] & before["int_file_signals_cache"]
        assert {key for _, key in after["int_file_signals_cache"]} == {
            key for _, key in before["int_file_signals_cache"]
        }
        assert after["int_minhash_signatures_cache"] == before["int_minhash_signatures_cache"]
        assert built.query(hashes) == dedup_hashes
    finally:
        macro.write_text(original)
    assert built.dbt("run", *selected).returncode == 0


def test_a_new_corpus_computes_only_its_own_files_and_matches_a_build_from_scratch(built, corpora):
    root, first, second = corpora
    before = cache_rows(built)
    # A tokenizer trained on the corpus changes with it (and every file is encoded again); pinned
    # to the same file, it does not: tokens are cached by the tokenizer's hash, not its path.
    [(trained,)] = built.query("select tokenizer_path from int_tokenizer_prepared")
    pinned = root / "pinned-tokenizer.json"
    pinned.write_bytes(open(trained, "rb").read())
    pin = ("--vars", json.dumps({"tokenizer_path": str(pinned)}))
    built.write_sources([first, second])
    result = built.dbt("build", *NO_TESTS, *pin)
    assert result.returncode == 0, result.stdout[-4000:]
    after = cache_rows(built)
    second_docs = {doc for (doc,) in built.query("select doc_id from int_files_unioned where source = 'second'")}
    fim_copies = set(
        built.query("select distinct doc_id, copy, is_spm from int_mixture_copies_fim_decided where is_fim")
    )
    for cache in CACHES:
        computed = after[cache] - before[cache]
        deleted = {row[1:] for row in before[cache]} - {row[1:] for row in after[cache]}
        if cache == "int_fim_token_ids_cache":
            # Only copies that are no longer FIM copies leave the cache (the quota moved).
            assert deleted.isdisjoint(fim_copies), cache
        else:
            assert deleted == set(), cache
        assert computed, cache
        if cache != "int_fim_token_ids_cache":
            # FIM copies of old files can change with the mixture (more files, new quota ranks).
            assert {row[1] for row in computed} <= second_docs, cache
    incremental = outputs_digest(built)
    result = built.dbt("build", "--full-refresh", *NO_TESTS, *pin)
    assert result.returncode == 0, result.stdout[-4000:]
    statuses = built.model_statuses()
    assert [model for model in built.memoized_models() if statuses[model] == "REUSED"] == []
    assert outputs_digest(built) == incremental


KILLED_CACHE = "int_file_signals_cache"
# Its progress line (macros/progress.sql): with interval 0, one per vector of the UDF's work.
KILLED_CACHE_PROGRESS = re.compile(rf"{KILLED_CACHE}: winnow_line_stats ([\d,]+) of ([\d,]+) rows")


def test_a_build_killed_in_a_udf_stage_then_rerun_matches_an_uninterrupted_build(tmp_path):
    """Killed between two vectors of a cache's UDF work: DuckDB's transaction leaves none of its
    rows visible, the stage before it keeps what it committed, and the rerun computes exactly what
    is missing and ends where an uninterrupted build does."""
    # Its own state: a complete build of a small corpus, then a larger one added, whose files
    # reach the cache in several vectors (row groups of at most 8 MB).
    write_winnow_corpus(tmp_path / "raw" / "first", ["json", "textwrap.py"], [])
    write_winnow_corpus(tmp_path / "raw" / "added", ["test", "idlelib", "lib2to3"], [])
    first, added = (
        {"source_name": name, "parquet_glob": f"{tmp_path}/raw/{name}/*.parquet", "flavour": "winnow", "tier": 1}
        for name in ("first", "added")
    )
    project = make_dbt_project(tmp_path / "project")
    project.write_sources([first])
    result = project.dbt("build", *NO_TESTS)
    assert result.returncode == 0, result.stdout[-4000:]
    complete_first = cache_rows(project)

    project.write_sources([first, added])
    # One thread: vectors go through the UDF one after another, so a line short of the total
    # means the work is half done. Unbuffered, so the line arrives while it is.
    process = subprocess.Popen(
        [
            str(DBT),
            "build",
            *NO_TESTS,
            "--vars",
            json.dumps({"progress_interval_seconds": 0}),
            "--profiles-dir",
            str(project.root),
            "--project-dir",
            str(project.root),
        ],
        cwd=project.root,
        env={**os.environ, **project.environment(), "WINNOW_THREADS": "1", "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    killed_at = None
    for line in process.stdout:
        progress = KILLED_CACHE_PROGRESS.search(line)
        if progress and 0 < int(progress[1].replace(",", "")) < int(progress[2].replace(",", "")):
            os.killpg(process.pid, signal.SIGKILL)
            killed_at = progress[0]
            break
    process.stdout.close()
    process.wait()
    assert killed_at is not None and process.returncode == -signal.SIGKILL, "killed during the UDF work"

    # Of the killed insert nothing is visible: every cache holds what the first build left.
    assert cache_rows(project) == complete_first, killed_at
    # The stage before it committed the added corpus's files.
    added_docs = {doc for (doc,) in project.query("select doc_id from int_files_unioned where source = 'added'")}
    assert len(added_docs) > 1000

    rerun = project.dbt("build", *NO_TESTS)
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert project.model_statuses()["int_raw_files_checked"] == "REUSED"
    after = cache_rows(project)
    # The killed cache computes exactly the files it lacks, and keeps every row it had.
    computed = {row[1] for row in after[KILLED_CACHE] - complete_first[KILLED_CACHE]}
    assert computed == added_docs
    assert complete_first[KILLED_CACHE] <= after[KILLED_CACHE]
    resumed, resumed_files = outputs_digest(project), project.exported_files()

    uninterrupted = project.dbt("build", "--full-refresh", *NO_TESTS)
    assert uninterrupted.returncode == 0, uninterrupted.stdout[-4000:]
    statuses = project.model_statuses()
    assert [model for model in project.memoized_models() if statuses[model] == "REUSED"] == []
    assert outputs_digest(project) == resumed
    assert project.exported_files() == resumed_files
