"""Data tests whose inputs are unchanged answer with the result they passed with
(macros/memoized_tests.sql); every test whose input changed runs, and a failing test fails on
every build until it passes. On real standard-library code."""

from __future__ import annotations

import glob as glob_module
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import make_dbt_project
from tests.dbt.fixtures import write_winnow_corpus

pytestmark = pytest.mark.dbt

# The one data test that reads raw files directly (the Parquet footers), which no fingerprint describes.
READS_FILES = {"assert_raw_rows_reconcile_with_staging"}


def data_test_outcomes(project) -> dict[str, tuple[str, str | None]]:
    """Each data test of the last dbt command: (status, adapter response code), by test name."""
    results = json.loads((project.root / "target" / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2]: (r["status"], (r["adapter_response"] or {}).get("code"))
        for r in results
        if r["unique_id"].startswith("test.")
    }


def reused(outcomes) -> set[str]:
    return {name for name, (_, code) in outcomes.items() if code == "REUSED"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("memoized_tests")
    write_winnow_corpus(root / "raw" / "first", ["json", "textwrap.py"], [])
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "first", "parquet_glob": f"{root}/raw/first/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    outcomes = data_test_outcomes(project)
    assert len(outcomes) > 200 and reused(outcomes) == set()
    # A warning is not a pass: a small corpus warns that its validation split is empty, every time.
    project.warned = {name for name, (status, _) in outcomes.items() if status == "warn"}
    assert project.warned <= {"warn_validation_split_is_empty"}
    return project


def test_a_build_with_nothing_changed_reuses_every_passed_test_but_those_reading_files(built):
    result = built.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    outcomes = data_test_outcomes(built)
    assert set(outcomes) - reused(outcomes) == READS_FILES | built.warned
    assert {name for name, (status, _) in outcomes.items() if status != "pass"} == built.warned
    # Forced, every test runs.
    result = built.dbt("test", env={"WINNOW_RERUN_DATA_TESTS": "1"})
    assert result.returncode == 0, result.stdout[-4000:]
    assert reused(data_test_outcomes(built)) == set()


def test_a_changed_corpus_file_runs_the_tests_it_reaches(built):
    assert built.dbt("build").returncode == 0
    [(glob,)] = built.query("select parquet_glob from corpus_sources")
    part = sorted(glob_module.glob(glob))[0]
    table = pq.read_table(part)
    # One Python file gains a line: a new doc_id flows from staging to the export.
    row = pc.index(table["path"], next(p for p in table["path"].to_pylist() if p.endswith(".py"))).as_py()
    contents = table["content"].to_pylist()
    contents[row] += "\n# one more line\n"
    table = table.set_column(table.schema.get_field_index("content"), "content", pa.array(contents, pa.large_string()))
    table = table.set_column(
        table.schema.get_field_index("n_bytes"), "n_bytes", pa.array([len(c.encode()) for c in contents], pa.int64())
    )
    pq.write_table(table, part, row_group_size=1024)
    result = built.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    outcomes = data_test_outcomes(built)
    ran = set(outcomes) - reused(outcomes)
    # The tests of every table the new file reaches ran, from staging to the curated corpus and training.
    assert {
        "unique_int_raw_files_checked_doc_id",
        "unique_int_files_curated_doc_id",
        "assert_every_raw_row_is_curated_or_in_the_ledger_once",
        "assert_funnel_bytes_reconcile",
        "assert_packing_keeps_every_token_but_the_dropped_tail",
    } <= ran
    # The seeds' tests read nothing that changed.
    assert {name for name in ran if "corpus_sources" in name or "languages" in name} == set()
    assert {name for name, (status, _) in outcomes.items() if status != "pass"} <= built.warned


def test_a_failing_test_runs_and_fails_on_every_build_until_it_passes(built):
    assert built.dbt("build").returncode == 0
    seed = built.root / "seeds" / "opt_out_repos.csv"
    original = seed.read_text()
    name = "assert_opt_out_entries_name_a_repository_or_host"
    try:
        # An opt-out entry that names nothing: the seed changed, so its test runs and fails.
        seed.write_text(original.rstrip("\n") + "\nhttps://,2026-11-30,a bare scheme\n")
        for _ in range(2):
            result = built.dbt("build")
            assert result.returncode != 0
            assert data_test_outcomes(built)[name] == ("fail", None), result.stdout[-3000:]
    finally:
        seed.write_text(original)
    result = built.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    assert data_test_outcomes(built)[name] == ("pass", None)
    assert built.dbt("build").returncode == 0
    assert data_test_outcomes(built)[name] == ("pass", "REUSED")
