"""Each way a raw source can be unusable stops `dbt build` with a message naming it."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import stdlib_files
from tests.dbt.fixtures import write_winnow_corpus

pytestmark = pytest.mark.dbt


def good_codeparrot_file(path):
    files = stdlib_files("json")
    pq.write_table(
        pa.table(
            {
                "repo_name": ["python/json"] * len(files),
                "path": [p.name for p in files],
                "content": [p.read_text() for p in files],
                "license": ["mit"] * len(files),
            }
        ),
        path,
    )


def build_fails_with(project, *fragments):
    result = project.dbt("build")
    assert result.returncode != 0
    for fragment in fragments:
        assert fragment in result.stdout, result.stdout[-3000:]


def test_glob_matching_nothing_names_the_source_and_what_to_do(dbt_project, tmp_path):
    dbt_project.write_sources(
        [{"source_name": "empty", "parquet_glob": f"{tmp_path}/none/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    build_fails_with(dbt_project, "corpus source 'empty'", "matches no files", "winnow ingest")


def test_missing_required_column_names_file_and_column(dbt_project, tmp_path):
    pq.write_table(
        pa.table({"repo_name": ["a/b"], "path": ["x.py"], "content": ["pass\n"]}), tmp_path / "nolicense.parquet"
    )
    dbt_project.write_sources(
        [{"source_name": "cp", "parquet_glob": f"{tmp_path}/*.parquet", "flavour": "codeparrot", "tier": 1}]
    )
    build_fails_with(dbt_project, "corpus source 'cp'", "nolicense.parquet", "missing required column for 'licenses'")


def test_file_that_is_not_parquet_is_named(dbt_project, tmp_path):
    good_codeparrot_file(tmp_path / "a.parquet")
    (tmp_path / "b.parquet").write_text("this is a CSV file,really\n")
    dbt_project.write_sources(
        [{"source_name": "cp", "parquet_glob": f"{tmp_path}/*.parquet", "flavour": "codeparrot", "tier": 1}]
    )
    build_fails_with(dbt_project, "corpus source 'cp'", "b.parquet", "not a readable Parquet file")


def test_unknown_flavour_lists_the_known_ones(dbt_project, tmp_path):
    good_codeparrot_file(tmp_path / "a.parquet")
    dbt_project.write_sources(
        [{"source_name": "cp", "parquet_glob": f"{tmp_path}/*.parquet", "flavour": "starcoder", "tier": 1}]
    )
    build_fails_with(
        dbt_project,
        "corpus source 'cp'",
        "unknown flavour 'starcoder'",
        "codeparrot, swh, text, the_stack, the_stack_v2, winnow",
    )


def test_wrong_column_type_names_the_column(dbt_project, tmp_path):
    pq.write_table(
        pa.table({"repo_name": ["a/b"], "path": ["x.py"], "content": [b"pass\n"], "license": ["mit"]}),
        tmp_path / "binary.parquet",
    )
    dbt_project.write_sources(
        [{"source_name": "cp", "parquet_glob": f"{tmp_path}/*.parquet", "flavour": "codeparrot", "tier": 1}]
    )
    build_fails_with(dbt_project, "corpus source 'cp'", "column 'content'", "expected a string")


def test_truncated_parquet_file_is_named(dbt_project, tmp_path):
    good_codeparrot_file(tmp_path / "a.parquet")
    good_codeparrot_file(tmp_path / "b.parquet")
    data = (tmp_path / "b.parquet").read_bytes()
    (tmp_path / "b.parquet").write_bytes(data[: len(data) // 2])  # an interrupted download
    dbt_project.write_sources(
        [{"source_name": "cp", "parquet_glob": f"{tmp_path}/*.parquet", "flavour": "codeparrot", "tier": 1}]
    )
    build_fails_with(dbt_project, "corpus source 'cp'", "b.parquet", "not a readable Parquet file")


def test_corrupt_pages_behind_a_good_footer_name_the_file(dbt_project, tmp_path):
    good_codeparrot_file(tmp_path / "a.parquet")
    good_codeparrot_file(tmp_path / "b.parquet")
    data = bytearray((tmp_path / "b.parquet").read_bytes())
    middle = len(data) // 3
    data[middle : middle + 4096] = b"\xff" * 4096  # bit rot inside the column chunks
    (tmp_path / "b.parquet").write_bytes(bytes(data))
    dbt_project.write_sources(
        [{"source_name": "cp", "parquet_glob": f"{tmp_path}/*.parquet", "flavour": "codeparrot", "tier": 1}]
    )
    build_fails_with(dbt_project, "b.parquet")


def test_interrupted_ingests_hidden_staging_directory_is_not_read(dbt_project, tmp_path):
    code = write_winnow_corpus(tmp_path / "raw" / "code", ["json"], [])
    # An ingest killed before its final rename leaves finished part files in a hidden sibling;
    # DuckDB's glob matches hidden directories, the source check's does not.
    shutil.copytree(code, tmp_path / "raw" / ".code.ingesting-4242")
    dbt_project.write_sources(
        [{"source_name": "code", "parquet_glob": f"{tmp_path}/raw/*/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = dbt_project.dbt("build", "--select", "+stg_winnow__files", "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-3000:]
    parts = sorted(str(p) for p in code.glob("*.parquet"))
    [(rows, files)] = dbt_project.query(
        "select count(*), list(distinct source_file order by source_file) from stg_winnow__files"
    )
    assert files == parts
    assert rows == sum(pq.read_metadata(p).num_rows for p in parts)
