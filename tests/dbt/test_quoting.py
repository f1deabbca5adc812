"""Every value a user types (seed cells, string and list vars) reaches SQL as data: an apostrophe
in a path, a repo or a var works, and an injection attempt has no side effect."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import PROJECT_ROOT, STDLIB, make_dbt_project

pytestmark = pytest.mark.dbt

GOOD = (STDLIB / "textwrap.py").read_text()
ALSO_GOOD = (STDLIB / "json" / "decoder.py").read_text()
OTHER_GOOD = (STDLIB / "json" / "encoder.py").read_text()
C_CODE = "int main(void) { return 0; }\n" * 10

SOURCE = "o'brien"
OPTED_OUT_REPO = "o'brien/tools"
KEPT_REPO = "o'neil/json"
ALLOW_LISTED_SNIPPET = "return 'it''s' + name"
# Closes the quoted list early and turns the filter's `not in` false: without quoting, every
# language would pass language_allow_list.
WIDENING_LANGUAGE = "x') and ('1'='2"
# (repo, path, content) -> expected (stage, rule), None for kept
ROWS = {
    (OPTED_OUT_REPO, "textwrap.py", GOOD): ("license", "opt_out"),
    (KEPT_REPO, "decoder.py", ALSO_GOOD): None,
    ("o/c", "module.c", C_CODE): ("quality", "language_not_allowed"),
    ("o/good", "encoder.py", OTHER_GOOD): None,
}


def injection(label: str) -> str:
    """Text that, pasted between single quotes or double quotes, would end the literal (or the
    identifier) and write pwned_<label>.csv into the project directory (DuckDB's working
    directory), then comment out the rest of the line."""
    copy = f"copy (select 42) to 'pwned_{label}.csv'; --"
    return f"x'); {copy} x\" as varchar); {copy}"


def pwned_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("pwned_*.csv") if p.is_file())


def user_text_vars() -> dict:
    """Every var of dbt_project.yml whose value is text a user types: strings, lists of strings,
    mappings to strings (numbers and booleans are checked by validate_vars before any model)."""
    defaults = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    return {
        name: value
        for name, value in defaults.items()
        if isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        or (isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()))
    }


def injected(name: str, value):
    if isinstance(value, str):
        return injection(name)
    if isinstance(value, list):
        return [*value, injection(name)]
    return {key: injection(f"{name}_{key}") for key in value}


def write_seed(root: Path, name: str, rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (root / "seeds" / f"{name}.csv").write_text(out.getvalue())


def read_seed(root: Path, name: str) -> list[dict]:
    with open(root / "seeds" / f"{name}.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A corpus in a directory named o'brien, source o'brien, an opted-out repo and an allow-listed
    snippet with apostrophes."""
    root = tmp_path_factory.mktemp("quoting")
    (root / SOURCE).mkdir()
    pq.write_table(
        pa.table(
            {
                "content": [content for _, _, content in ROWS],
                "max_stars_repo_name": [repo for repo, _, _ in ROWS],
                "max_stars_repo_path": [path for _, path, _ in ROWS],
                "max_stars_repo_licenses": [["MIT"]] * len(ROWS),
            }
        ),
        root / SOURCE / "part-0.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources([{"source_name": "placeholder", "parquet_glob": "x", "flavour": "the_stack", "tier": 1}])
    write_seed(
        project.root,
        "corpus_sources",
        [
            {
                "source_name": SOURCE,
                "parquet_glob": f"{root}/{SOURCE}/*.parquet",
                "flavour": "the_stack",
                "weight": "1.0",
                "epochs": "",
                "tier": "1",
                "default_license": "",
            }
        ],
    )
    write_seed(
        project.root,
        "opt_out_repos",
        [{"repo": OPTED_OUT_REPO, "requested_on": "2024-01-01", "reference": "o'brien's request"}],
    )
    allow_list = read_seed(project.root, "decontamination_allow_list")
    write_seed(
        project.root,
        "decontamination_allow_list",
        [*allow_list, {"snippet": ALLOW_LISTED_SNIPPET, "reason": "it's trivial"}],
    )
    return project


@pytest.fixture(scope="module")
def vars_rejected_and_accepted(project):
    """Every user-text var with an injection: the names that stop the build before any model runs
    (validate_vars reports all its vars at once; a model that checks its var while dbt parses
    stops the parse with that one, so the build is tried again without it), and the rest."""
    text_vars = user_text_vars()
    trying, reported = set(text_vars), set()
    for _ in text_vars:
        result = project.dbt("build", "--vars", json.dumps({name: injected(name, text_vars[name]) for name in trying}))
        assert result.returncode != 0, "an injected var that validation must reject was built"
        assert pwned_files(project.root) == []
        named = {name for name in trying if re.search(rf"\bvar {name}\b", result.stdout)}
        assert named, result.stdout[-3000:]
        reported |= named
        trying -= named
        if "bad vars" in result.stdout:
            assert not (project.root / "winnow.duckdb").exists() or project.query(
                "select count(*) from duckdb_tables()"
            ) == [(0,)]
            return reported, trying
    raise AssertionError("validate_vars never ran")


@pytest.fixture(scope="module")
def built(project, vars_rejected_and_accepted):
    """One build with an apostrophe everywhere a user can type one and every var that validation
    accepts carrying an injection. tokenizer_path names a file to read: its test is its own."""
    _, accepted = vars_rejected_and_accepted
    text_vars = user_text_vars()
    build_vars = {name: injected(name, text_vars[name]) for name in accepted - {"tokenizer_path"}}
    build_vars["language_allow_list"] = ["python", WIDENING_LANGUAGE, injection("language_allow_list")]
    result = project.dbt("build", "--vars", json.dumps(build_vars))
    return result, build_vars


def test_vars_validation_rejects_are_named_and_run_nothing(vars_rejected_and_accepted):
    reported, accepted = vars_rejected_and_accepted
    # Choice vars cannot hold arbitrary text; the free-text ones go on as data.
    assert {"near_dedup_minhash_scheme", "near_dedup_shingle_hash", "near_dedup_shingle_unit_code"} <= reported
    assert {"language_allow_list", "output_dir", "pii_example_domains"} <= accepted


def test_apostrophes_in_paths_seeds_and_vars_are_plain_data(project, built):
    result, build_vars = built
    assert result.returncode == 0, result.stdout[-4000:]
    dropped = {
        (r, p): (s, rule) for r, p, s, rule in project.query("select repo, path, stage, rule from fct_drop_ledger")
    }
    kept = {(r, p): None for r, p in project.query("select repo, path from fct_curated_files")}
    assert {(repo, path): expected for (repo, path, _), expected in ROWS.items()} == {**dropped, **kept}
    assert project.query("select distinct source from int_files_unioned") == [(SOURCE,)]
    assert (ALLOW_LISTED_SNIPPET,) in project.query("select snippet from decontamination_allow_list")
    # The injected output_dir is one odd directory name, and the shards are in it.
    assert (project.root / build_vars["output_dir"] / "pretrain" / "manifest.json").is_file()


def test_quote_in_a_list_var_does_not_widen_its_filter(project, built):
    result, _ = built
    assert result.returncode == 0, result.stdout[-4000:]
    assert project.query("select distinct language from fct_curated_files") == [("python",)]
    assert project.query("select count(*) from fct_drop_ledger where rule = 'language_not_allowed'") == [(1,)]


def test_injected_vars_have_no_side_effect(project, built):
    result, build_vars = built
    assert result.returncode == 0, result.stdout[-4000:]
    assert pwned_files(project.root) == []
    # A second build checks the exported files through the output_dir hook (memoized export).
    again = project.dbt("build", "--select", "fct_exported_shards", "--vars", json.dumps(build_vars))
    assert again.returncode == 0, again.stdout[-4000:]
    assert project.model_statuses()["fct_exported_shards"] == "REUSED"
    assert pwned_files(project.root) == []


def test_injected_tokenizer_path_is_a_missing_file(project, built):
    result = project.dbt(
        "run",
        "--select",
        "int_tokenizer_prepared",
        "--vars",
        json.dumps({"tokenizer_path": injection("tokenizer_path")}),
    )
    assert result.returncode != 0
    assert "var tokenizer_path = " in result.stdout and "no such file" in result.stdout, result.stdout[-3000:]
    assert pwned_files(project.root) == []


SEEDS = sorted(p.stem for p in (PROJECT_ROOT / "seeds").glob("*.csv"))
# Cells a seed's data tests constrain to a known set: kept as in the seed's first row.
CONSTRAINED = {
    ("licenses", "family"),
    ("license_aliases", "spdx_id"),
    ("benchmarks", "format"),
    ("corpus_sources", "flavour"),
    ("mixtures", "source"),
}
# Seeds that ship empty: the row their injected cells go into.
EMPTY_SEED_ROWS = {"mixture_score_buckets": {"mixture": "pretrain", "source": "*", "min_score": "2", "repeats": "1"}}


def injected_row(seed: str, first: dict) -> dict:
    """The seed's first row with an injection in every text cell it does not constrain."""

    def is_text(value: str) -> bool:
        return value != "" and not re.fullmatch(r"[-+0-9.eE]+|\d{4}-\d\d-\d\d|true|false|\*", value)

    return {
        column: injection(f"{seed}_{column}") if is_text(value) and (seed, column) not in CONSTRAINED else value
        for column, value in first.items()
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_injection_in_a_seed_is_data_or_reported(project, built, seed):
    rows = read_seed(project.root, seed)
    original = (project.root / "seeds" / f"{seed}.csv").read_text()
    try:
        write_seed(project.root, seed, [*rows, injected_row(seed, rows[0] if rows else EMPTY_SEED_ROWS[seed])])
        # The seed and the models that read it.
        result = project.dbt("build", "--select", f"{seed}+1")
        assert pwned_files(project.root) == []
        if result.returncode != 0:
            assert "x'); copy (select 42)" in result.stdout, result.stdout[-3000:]
    finally:
        (project.root / "seeds" / f"{seed}.csv").write_text(original)
        restored = [project.dbt("seed", "--select", seed)]
    assert all(r.returncode == 0 for r in restored), [r.stdout[-2000:] for r in restored]


def test_crafted_source_name_runs_no_sql_and_is_reported(project):
    """A name shaped to complete the source check's call and then write a file: with the value
    pasted between quotes, DuckDB runs the COPY before the build fails (it sorts first, so it is
    checked first)."""
    crafted = "a', 'y', 'winnow'); copy (select 42) to 'pwned_source_name.csv'; --"
    original = (project.root / "seeds" / "corpus_sources.csv").read_text()
    rows = read_seed(project.root, "corpus_sources")
    try:
        write_seed(
            project.root,
            "corpus_sources",
            [*rows, {**rows[0], "source_name": crafted, "parquet_glob": "nothing/*.parquet"}],
        )
        result = project.dbt("build", "--select", "corpus_sources+1")
        assert pwned_files(project.root) == []
        assert result.returncode != 0
        assert f"corpus source '{crafted}'" in result.stdout and "matches no files" in result.stdout, result.stdout[
            -3000:
        ]
    finally:
        (project.root / "seeds" / "corpus_sources.csv").write_text(original)


UNSAFE_MIXTURE_NAMES = [".hidden", "..", "../up", "a/b", "a..b", "-rf", "o'brien", "two words", "back\\slash"]


def test_mixture_names_that_are_not_one_safe_directory_are_reported_with_their_row(project, built):
    original = (project.root / "seeds" / "mixtures.csv").read_text()
    rows = read_seed(project.root, "mixtures")
    good = {**rows[0], "mixture": "phase-1.v2_b"}
    try:
        write_seed(project.root, "mixtures", [good, *({**rows[0], "mixture": name} for name in UNSAFE_MIXTURE_NAMES)])
        result = project.dbt("build", "--select", "mixtures", "int_mixture_sources_planned")
        assert result.returncode != 0
        reported = [line for line in result.stdout.splitlines() if "becomes the directory" in line]
        for name in UNSAFE_MIXTURE_NAMES:
            assert any(f"mixture '{name}', source '" in line for line in reported), (name, result.stdout[-3000:])
        assert not any("phase-1.v2_b" in line for line in reported)
    finally:
        (project.root / "seeds" / "mixtures.csv").write_text(original)
        restored = [project.dbt("seed", "--select", "mixtures")]
    assert all(r.returncode == 0 for r in restored), [r.stdout[-2000:] for r in restored]
