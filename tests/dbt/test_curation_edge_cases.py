"""Edge cases of the filters, the license policy and exact dedup, each on a precise fixture."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import STDLIB, make_dbt_project

pytestmark = pytest.mark.dbt

GOOD = (STDLIB / "textwrap.py").read_text()
ALSO_GOOD = (STDLIB / "json" / "decoder.py").read_text()
OTHER_GOOD = (STDLIB / "json" / "encoder.py").read_text()

# (repo, path, content, licenses) -> expected (stage, rule), or None for kept.
CASES = {
    "empty": (("o/empty", "empty.py", "", ["MIT"]), ("staging", "empty_content")),
    "one_long_line": (("o/long", "blob.py", "x = '" + "a" * 200_000 + "'", ["MIT"]), ("quality", "too_large")),
    "not_python": (
        ("o/c", "module.c", "int main(void) { return 0; }\n" * 10, ["MIT"]),
        ("quality", "language_not_allowed"),
    ),
    "gpl_repo": (("o/gpl", "textwrap.py", GOOD, ["GPL-3.0-only"]), ("license", "license_not_allowed")),
    "mit_and_gpl": (("o/dual", "decoder.py", ALSO_GOOD, ["MIT", "gpl-2.0"]), ("license", "license_not_allowed")),
    "unknown_license": (("o/unk", "decoder.py", ALSO_GOOD, ["my-own-license-v1"]), ("license", "license_not_allowed")),
    # The Stack has no license file per file, but the file's own SPDX header still counts.
    "gpl_header": (
        ("o/hdr", "textwrap.py", "# SPDX-License-Identifier: GPL-2.0-only\n" + GOOD, ["MIT"]),
        ("license", "license_not_allowed"),
    ),
    "opt_out": (("optout/repo", "encoder.py", OTHER_GOOD, ["MIT"]), ("license", "opt_out")),
    "kept": (("o/good", "textwrap.py", GOOD, ["MIT"]), None),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge_cases")
    rows = [case[0] for case in CASES.values()]
    # Two identical files in repos of different license families; the copyleft one is in the
    # more trusted source tier, so only the license family can make the permissive one win.
    rows_copyleft = [("o/lgpl", "encoder_copy.py", OTHER_GOOD + "\n# shared\n", ["LGPL-2.1-only"])]
    rows_permissive = [("o/apache", "encoder_copy.py", OTHER_GOOD + "\n# shared\n", ["Apache-2.0"])]
    for name, batch in (("main", rows + rows_permissive), ("trusted", rows_copyleft)):
        (root / name).mkdir()
        pq.write_table(
            pa.table(
                {
                    "content": [r[2] for r in batch],
                    "max_stars_repo_name": [r[0] for r in batch],
                    "max_stars_repo_path": [r[1] for r in batch],
                    "max_stars_repo_licenses": [r[3] for r in batch],
                }
            ),
            root / name / "part-0.parquet",
        )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [
            {"source_name": "main", "parquet_glob": f"{root}/main/*.parquet", "flavour": "the_stack", "tier": 2},
            {"source_name": "trusted", "parquet_glob": f"{root}/trusted/*.parquet", "flavour": "the_stack", "tier": 1},
        ]
    )
    (project.root / "seeds" / "opt_out_repos.csv").write_text(
        "repo,requested_on,reference\noptout/repo,2024-01-01,test\n"
    )
    return project


def outcomes(project) -> dict[tuple[str, str], tuple[str, str] | None]:
    dropped = {
        (r, p): (s, rule) for r, p, s, rule in project.query("select repo, path, stage, rule from fct_drop_ledger")
    }
    kept = {(r, p): None for r, p in project.query("select repo, path from fct_curated_files")}
    return {**dropped, **kept}


def test_each_edge_case_gets_its_verdict(project):
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    seen = outcomes(project)
    for name, (row, expected) in CASES.items():
        assert seen[(row[0], row[1])] == expected, name
    [(detail,)] = project.query("select detail from fct_drop_ledger where repo = 'o/dual'")
    assert detail == "repository:gpl-2.0"  # the disallowed license is named, the allowed MIT is not
    [(detail,)] = project.query("select detail from fct_drop_ledger where repo = 'o/hdr'")
    assert detail == "spdx_header:GPL-2.0-only"
    [(value, threshold)] = project.query("select value, threshold from fct_drop_ledger where repo = 'o/long'")
    assert value > 200_000 and threshold == 100_000


def test_identical_files_keep_the_permissive_copy(project):
    policy = json.dumps({"license_families_allowed": ["permissive", "public_domain", "weak_copyleft"]})
    result = project.dbt("build", "--vars", policy)
    assert result.returncode == 0, result.stdout[-4000:]
    seen = outcomes(project)
    assert seen[("o/apache", "encoder_copy.py")] is None
    assert seen[("o/lgpl", "encoder_copy.py")] == ("exact_dedup", "exact_duplicate")
    [(duplicate_of,)] = project.query("select duplicate_of from fct_drop_ledger where repo = 'o/lgpl'")
    [(keeper,)] = project.query("select doc_id from fct_curated_files where repo = 'o/apache'")
    assert duplicate_of == keeper


def test_exact_dedup_normalisation_var_is_validated(project):
    result = project.dbt(
        "run", "--select", "int_exact_dup_clusters", "--vars", '{"exact_dedup_normalisation": "squash"}'
    )
    assert result.returncode != 0
    assert 'var exact_dedup_normalisation = "squash" is not one of' in result.stdout
