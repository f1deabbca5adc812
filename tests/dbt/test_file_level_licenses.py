"""`dbt build` on an MIT repository of real stdlib files holding a GPL-3.0 subtree (its own COPYING)
and files with SPDX headers: file-level evidence combines with the repository's license, the
strictest wins, and the ledger names the evidence that dropped each file."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from python_udfs.cli.ingest import ingest, tree_input
from tests.conftest import make_dbt_project
from tests.dbt.fixtures import write_mixed_license_tree

pytestmark = pytest.mark.dbt

GPL_SUBTREE_DETAIL = "nearest_license_file:vendored_gpl/COPYING (GPL-3.0-only)"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("file_licenses")
    ingest([tree_input(write_mixed_license_tree(root / "repo"), repo="o/mit-with-gpl")], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "local", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    raw_rows = pq.read_table(sorted((root / "raw").glob("*.parquet"))).num_rows
    return project, raw_rows


def ledger(project) -> dict[str, tuple[str, str, str]]:
    return {
        path: (stage, rule, detail)
        for path, stage, rule, detail in project.query("select path, stage, rule, detail from fct_drop_ledger")
    }


def test_files_under_a_gpl_license_file_are_dropped_naming_it(built):
    project, _ = built
    dropped = ledger(project)
    for path in ("vendored_gpl/textwrap.py", "vendored_gpl/deeper/shlex.py"):
        assert dropped[path] == ("license", "license_not_allowed", GPL_SUBTREE_DETAIL), path


def test_a_permissive_header_does_not_lift_the_license_file_above_it(built):
    project, _ = built
    assert ledger(project)["vendored_gpl/mit_header.py"] == ("license", "license_not_allowed", GPL_SUBTREE_DETAIL)


def test_a_gpl_spdx_header_drops_its_file_naming_the_header(built):
    project, _ = built
    assert ledger(project)["gpl_header.py"] == ("license", "license_not_allowed", "spdx_header:GPL-3.0-only")


def test_dual_licensed_header_and_the_rest_of_the_mit_repository_are_curated(built):
    project, _ = built
    curated = dict(project.query("select path, licenses from fct_curated_files"))
    # OR lets the file be used under MIT, which the policy allows.
    assert curated["dual_header.py"] == ["MIT"]
    assert curated["json/decoder.py"] == curated["json/encoder.py"] == ["MIT"]
    license_drops = {p for p, (stage, _, _) in ledger(project).items() if stage == "license"}
    assert license_drops == {
        "vendored_gpl/textwrap.py",
        "vendored_gpl/deeper/shlex.py",
        "vendored_gpl/mit_header.py",
        "gpl_header.py",
    }


def test_every_raw_row_is_curated_or_in_the_ledger_once(built):
    project, raw_rows = built
    [(curated,)] = project.query("select count(*) from fct_curated_files")
    [(dropped, distinct_dropped)] = project.query("select count(*), count(distinct doc_id) from fct_drop_ledger")
    assert curated + dropped == raw_rows and dropped == distinct_dropped
