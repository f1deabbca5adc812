"""`dbt build` on a real three-flavour corpus: the staging contract, the ledger, reconciliation."""

from __future__ import annotations

import pytest

from tests.conftest import make_dbt_project, warnings_other_than_an_empty_validation_split
from tests.dbt.fixtures import write_codeparrot_corpus, write_stack_corpus, write_winnow_corpus

pytestmark = pytest.mark.dbt

# kind (code, text, docs), url and the FineWeb-Edu scores joined the contract with text sources.
CONTRACT = [
    "doc_id",
    "source",
    "repo",
    "path",
    "language",
    "kind",
    "url",
    "edu_score",
    "edu_int_score",
    "licenses",
    "content",
    "n_bytes",
    "content_hash",
    "source_tier",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("foundation")
    project = make_dbt_project(root / "project")
    write_winnow_corpus(root / "raw" / "local", ["json", "textwrap.py"], ["idna"])
    stack = write_stack_corpus(root / "raw" / "stack")
    n_codeparrot = write_codeparrot_corpus(root / "raw" / "codeparrot")
    project.write_sources(
        [
            {"source_name": "local", "parquet_glob": f"{root}/raw/local/*.parquet", "flavour": "winnow", "tier": 1},
            {"source_name": "stack", "parquet_glob": f"{root}/raw/stack/*.parquet", "flavour": "the_stack", "tier": 2},
            {
                "source_name": "codeparrot",
                "parquet_glob": f"{root}/raw/codeparrot/*.parquet",
                "flavour": "codeparrot",
                "tier": 3,
                "default_license": "MIT",
            },
        ]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project, stack, n_codeparrot, result


def test_build_passes_its_data_tests_including_reconciliation(built):
    _project, _, _, result = built
    assert "assert_raw_rows_reconcile_with_staging" in result.stdout
    assert "ERROR=0" in result.stdout
    assert warnings_other_than_an_empty_validation_split(result.stdout) == []


def test_unioned_files_have_exactly_the_contract_columns(built):
    project = built[0]
    columns = [row[0] for row in project.query("select column_name from (describe int_files_unioned)")]
    assert columns == CONTRACT


def test_each_bad_row_is_in_the_ledger_with_its_reason(built):
    project, stack, _, _ = built
    ledger = dict(
        project.query("select path, rule from fct_drop_ledger where source = 'stack' and rule != 'duplicate_row'")
    )
    assert ledger == {path: rule for rule, path in stack["bad_paths"].items()}
    [(duplicate_of, kept_id)] = project.query(
        f"""select l.duplicate_of, u.doc_id from fct_drop_ledger l
            join int_files_unioned u on u.source = 'stack' and u.path = l.path
            where l.rule = 'duplicate_row' and l.path = '{stack["repeated"]}'"""
    )
    assert duplicate_of == kept_id


def test_raw_rows_equal_unioned_plus_staging_drops_per_source(built):
    project, stack, n_codeparrot, _ = built
    counts = dict(project.query("select source, count(*) from int_raw_files_checked group by source"))
    assert counts["stack"] == stack["rows"]
    assert counts["codeparrot"] == n_codeparrot
    [(unioned, dropped, checked)] = project.query(
        """select (select count(*) from int_files_unioned),
                      (select count(*) from fct_drop_ledger where stage = 'staging'),
                  (select count(*) from int_raw_files_checked)"""
    )
    assert unioned + dropped == checked


def test_flavours_are_normalised_into_one_schema(built):
    project = built[0]
    rows = project.query(
        """select source, any_value(language), any_value(licenses), count(distinct repo)
           from int_files_unioned group by source order by source"""
    )
    by_source = {r[0]: r[1:] for r in rows}
    assert by_source["codeparrot"][:2] == ("python", ["mit"])  # language from the extension
    assert by_source["stack"][:2] == ("python", ["MIT"])  # 'Python' lower-cased
    local = dict(
        project.query("select repo, any_value(licenses) from int_files_unioned where source='local' group by repo")
    )
    assert local["pypi/idna"] == ["BSD-3-Clause"]
    assert "PSF-2.0" in local["python/cpython"]


def test_doc_ids_are_stable_across_rebuilds(built):
    project = built[0]
    before = project.query("select doc_id from int_files_unioned order by doc_id")
    # --full-refresh: a memoized table whose inputs did not change is reused, not computed again.
    result = project.dbt("run", "--select", "int_raw_files_checked", "--full-refresh")
    assert result.returncode == 0, result.stdout[-2000:]
    assert project.model_statuses()["int_raw_files_checked"] != "REUSED"
    assert project.query("select doc_id from int_files_unioned order by doc_id") == before


def test_docs_generate_succeeds(built):
    project = built[0]
    result = project.dbt("docs", "generate")
    assert result.returncode == 0, result.stdout[-2000:]
    assert (project.root / "target" / "catalog.json").exists()
    assert (project.root / "target" / "index.html").exists()
