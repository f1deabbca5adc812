"""Decontamination judged on a labelled corpus (tests/dbt/decontamination_eval.py): HumanEval
pastes, verbatim or renamed, re-laid out or stripped of comments, must be dropped naming their
task; the same tasks solved independently and real files that share an idiom with a solution
must be kept. bench/decontamination_precision.py prints the same figures for any revision."""

from __future__ import annotations

import pytest

from tests.conftest import make_dbt_project
from tests.dbt.decontamination_eval import DROP_VARIANTS, EVAL_VARS, Evaluation, evaluate, write_eval_corpus

pytestmark = pytest.mark.dbt

MIN_PRECISION = 0.95
MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory) -> Evaluation:
    root = tmp_path_factory.mktemp("decontamination_eval")
    cases = write_eval_corpus(root / "raw")
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "eval", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    result = project.dbt(
        "build",
        "--select",
        "+fct_drop_ledger",
        "+fct_curated_files",
        "--indirect-selection",
        "cautious",
        "--vars",
        EVAL_VARS,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    ledger = project.query("select repo, path, stage, detail from fct_drop_ledger where source = 'eval'")
    return evaluate(cases, ledger)


def test_every_case_reaches_decontamination(evaluation):
    # A case dropped as low quality or as a near duplicate would say nothing about the rule.
    assert evaluation.not_judged == [], evaluation.report()


def test_corpus_has_every_variant_in_numbers(evaluation):
    table = evaluation.by_variant()
    assert all(table[variant][0] >= 40 for variant in DROP_VARIANTS), table
    assert table["independent"][0] >= 30, table
    assert table["idiom"][0] >= 1, table


def test_precision_is_at_least_95_percent(evaluation):
    assert evaluation.precision >= MIN_PRECISION, evaluation.report()


def test_recall_is_at_least_95_percent(evaluation):
    assert evaluation.recall >= MIN_RECALL, evaluation.report()


def test_real_files_sharing_an_idiom_with_a_solution_are_kept(evaluation):
    dropped = [d for d in evaluation.decisions if d.case.variant == "idiom" and d.dropped_for_contamination]
    assert dropped == [], evaluation.report()


def test_each_drop_names_the_task_that_was_pasted(evaluation):
    unnamed = [
        (d.case.variant, d.case.task_id, d.detail)
        for d in evaluation.decisions
        if d.case.expected == "drop" and d.dropped_for_contamination and not d.names_its_task
    ]
    assert unnamed == []
