"""fct_repo_splits on a small real corpus of five repositories: neither split is ever empty,
whatever validation_fraction, and the repositories moved to fill one are chosen by their draws."""

from __future__ import annotations

import pytest

from python_udfs.ingest import distribution_inputs, ingest, stdlib_input
from tests.conftest import make_dbt_project

pytestmark = pytest.mark.dbt

PACKAGES = ["idna", "six", "termcolor", "zipp"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("splits")
    ingest([stdlib_input(["json"]), *distribution_inputs(PACKAGES)], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources([{"source_name": "code", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow",
                            "tier": 1}])
    # Cautious: the tests of every selected model, but not those that also read unbuilt models.
    result = project.dbt("build", "--select", "+fct_repo_splits", "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


# YAML text, as a user types it: json.dumps(1e-9) gives "1e-09", which YAML reads as a string.
@pytest.mark.parametrize("fraction, expected", [
    ("0.999", ["validation"] * 4 + ["train"]),
    ("0.000000001", ["validation"] + ["train"] * 4),
])
def test_neither_split_is_empty_whatever_the_fraction(project, fraction, expected):
    """At 0.999 every coin says validation but the highest draw trains; at 1e-9 every coin says
    train but the lowest draw is validation."""
    result = project.dbt("build", "--select", "fct_repo_splits", "--indirect-selection", "cautious",
                         "--vars", f"{{validation_fraction: {fraction}}}")
    assert result.returncode == 0, result.stdout[-3000:]
    splits = project.query("select repo, split from fct_repo_splits order by split_draw, repo")
    assert sorted(repo for repo, _ in splits) == sorted(["python/cpython", *(f"pypi/{name}" for name in PACKAGES)])
    assert [split for _, split in splits] == expected, splits
    assert "assert_train_and_validation_splits_are_not_empty" in result.stdout
