"""fct_repo_splits on a small real corpus of five repositories: neither split is ever empty,
whatever validation_fraction, validation holds at least one window where the corpus allows, and
the repositories moved to fill one are chosen by their draws."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from tests.conftest import make_dbt_project

pytestmark = pytest.mark.dbt

PACKAGES = ["idna", "six", "termcolor", "zipp"]
SEQ_LEN = 2048


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("splits")
    ingest([stdlib_input(["json"]), *distribution_inputs(PACKAGES)], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "code", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    # Cautious: the tests of every selected model, but not those that also read unbuilt models.
    result = project.dbt("build", "--select", "+fct_repo_splits", "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def tokens_per_repo(project) -> dict[str, int]:
    """Each repository's tokens as packed (one EOS per file), counted again here from the curated
    text with the build's tokenizer.json, not read from the pipeline's token cache."""
    tokenizer = Tokenizer.from_file(str(project.root / "out" / "tokenizer.json"))
    tokenizer.encode_special_tokens = True
    counts: dict[str, int] = {}
    for repo, content in project.query("select repo, content from fct_curated_files"):
        counts[repo] = counts.get(repo, 0) + len(tokenizer.encode(content, add_special_tokens=False).ids) + 1
    return counts


def expected_splits(draw_order: list[str], tokens: dict[str, int], coins: list[bool], seq_len: int) -> list[str]:
    """The rule, written out: the lowest draw and the draws whose lower draws hold fewer than one
    window of tokens are validation, as are the coins that say so; the highest draw trains."""
    splits, below = [], 0
    for rank, (repo, coin) in enumerate(zip(draw_order, coins)):
        last = rank == len(draw_order) - 1
        splits.append("train" if last else "validation" if rank == 0 or coin or below < seq_len else "train")
        below += tokens[repo]
    return splits


def build_splits(project, fraction: str, seq_len: int):
    result = project.dbt(
        "build",
        "--select",
        "fct_repo_splits",
        "--indirect-selection",
        "cautious",
        "--vars",
        f"{{validation_fraction: {fraction}, seq_len: {seq_len}}}",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "assert_train_and_validation_splits_are_not_empty" in result.stdout
    return project.query("select repo, split, split_draw from fct_repo_splits order by split_draw, repo")


# YAML text, as a user types it: json.dumps(1e-9) gives "1e-09", which YAML reads as a string.
@pytest.mark.parametrize("fraction", ["0.999", "0.000000001"])
def test_neither_split_is_empty_whatever_the_fraction(project, fraction):
    """At 0.999 every coin says validation but the highest draw trains; at 1e-9 every coin says
    train but the lowest draws are validation until they hold a window."""
    splits = build_splits(project, fraction, SEQ_LEN)
    assert sorted(repo for repo, _, _ in splits) == sorted(["python/cpython", *(f"pypi/{name}" for name in PACKAGES)])
    tokens = tokens_per_repo(project)
    expected = expected_splits(
        [repo for repo, _, _ in splits], tokens, [draw < float(fraction) for _, _, draw in splits], SEQ_LEN
    )
    assert [split for _, split, _ in splits] == expected, (splits, tokens)
    assert expected[0] == "validation" and expected[-1] == "train"
    validation_tokens = sum(tokens[repo] for repo, split, _ in splits if split == "validation")
    assert validation_tokens >= SEQ_LEN or [s for _, s, _ in splits].count("train") == 1, (splits, tokens)


def test_validation_takes_the_next_draws_until_it_holds_a_window(project):
    """A window one token longer than the lowest draw's repository: the next draw joins it."""
    order = [repo for repo, _, _ in build_splits(project, "0.000000001", SEQ_LEN)]
    tokens = tokens_per_repo(project)
    seq_len = tokens[order[0]] + 1
    splits = build_splits(project, "0.000000001", seq_len)
    assert [split for _, split, _ in splits][:2] == ["validation", "validation"], (splits, tokens)
    assert [split for _, split, _ in splits] == expected_splits(order, tokens, [False] * len(order), seq_len)
