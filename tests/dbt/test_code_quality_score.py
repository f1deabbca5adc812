"""The learned code-quality score on real files: the labelled files of seeds/code_quality_labels.csv
as this interpreter installs them, plus other files of the default corpus. The SQL features and
scores are checked against an independent Python scoring from the model's own weights, and the
labels, splits, threshold var and determinism against what they promise."""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections import Counter

import pytest

from tests.conftest import PROJECT_ROOT, make_dbt_project
from tests.dbt.fixtures import write_labelled_code_corpus

pytestmark = pytest.mark.dbt

SCORE_MODELS = "+rpt_code_quality_evaluation +rpt_code_quality_confusion +int_code_quality_scores_cache"
# The score's own nodes, to rebuild them alone.
SCORE_NODES = (
    "code_quality_labels int_code_quality_labels int_code_quality_model int_code_quality_weights "
    "int_code_quality_scores_cache int_code_quality_label_scores rpt_code_quality_evaluation rpt_code_quality_confusion"
).split()
# The features of macros/code_quality.sql, written again with Python's re (DuckDB uses RE2).
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\"\"\"|'''|[^\sA-Za-z0-9_]")
EXTRACT_CHARS = 4000


def python_score(content: str, intercept: float, weights: dict[str, float]) -> float:
    tokens = TOKEN.findall(content[:EXTRACT_CHARS])
    counts = Counter(tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)])
    logged = {gram: math.log1p(n) for gram, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in logged.values()))
    dot = sum(v / norm * weights.get(gram, 0.0) for gram, v in logged.items()) if norm else 0.0
    return min(5.0, max(0.0, intercept + dot))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("code_quality")
    # The labelled files and 200 others, so the build stays small.
    write_labelled_code_corpus(root / "raw", others=200)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "default", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = project.dbt("build", "--select", f"{SCORE_MODELS} +fct_curated_files", "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def model(project):
    [(intercept, ngrams, weights, n_training_files)] = project.query(
        "select intercept, ngrams, weights, n_training_files from int_code_quality_model"
    )
    return intercept, dict(zip(ngrams, weights)), n_training_files


def test_sql_scores_equal_an_independent_python_scoring(project):
    intercept, weights, _ = model(project)
    rows = project.query(
        "select files.content, scores.quality_score from int_code_quality_scores_cache as scores "
        "join int_files_unioned as files using (doc_id)"
    ) + project.query(
        "select labels.content, scores.quality_score from int_code_quality_label_scores as scores "
        "join int_code_quality_labels as labels using (doc_id)"
    )
    assert len(rows) > 500
    for content, score in rows:
        assert score == pytest.approx(python_score(content, intercept, weights), abs=1e-5)


def test_labels_are_used_only_on_their_own_text_and_splits_hold_whole_repositories(project):
    with open(PROJECT_ROOT / "seeds" / "code_quality_labels.csv", newline="") as handle:
        seed = {(row["repo"], row["path"]): row["content_sha256"] for row in csv.DictReader(handle)}
    corpus = {
        (repo, path): sha
        for repo, path, sha in project.query("select repo, path, sha256(content) from int_files_unioned")
    }
    expected = {
        key: "not_in_corpus" if key not in corpus else "matched" if corpus[key] == sha else "content_changed"
        for key, sha in seed.items()
    }
    rows = project.query("select repo, path, label_status, split from int_code_quality_labels")
    assert {(repo, path): status for repo, path, status, _ in rows} == expected
    # Most labels were made on the same releases this suite installs.
    assert Counter(expected.values())["matched"] >= len(seed) // 2
    splits = {}
    for repo, _, _, split in rows:
        splits.setdefault(repo, set()).add(split)
    assert all(len(s) == 1 for s in splits.values())
    assert {"train", "heldout"} <= {s for values in splits.values() for s in values}
    trained = sum(1 for _, _, status, split in rows if status == "matched" and split == "train")
    assert model(project)[2] == trained


def test_the_evaluation_counts_the_labels_at_the_threshold_var(project):
    result = project.dbt("run", "--select", "rpt_code_quality_evaluation", "--vars", "{code_quality_min_score: 2}")
    assert result.returncode == 0, result.stdout[-3000:]
    scored = project.query("select split, label_score, quality_int_score from int_code_quality_label_scores")
    for split, min_score, tp, fp, fn in project.query(
        "select split, min_score, true_positives, false_positives, false_negatives from rpt_code_quality_evaluation"
    ):
        rows = [(label, predicted) for s, label, predicted in scored if s == split]
        assert min_score == 2
        assert tp == sum(1 for label, predicted in rows if label >= 2 and predicted >= 2)
        assert fp == sum(1 for label, predicted in rows if label < 2 and predicted >= 2)
        assert fn == sum(1 for label, predicted in rows if label >= 2 and predicted < 2)
    restored = project.dbt("run", "--select", "rpt_code_quality_evaluation")
    assert restored.returncode == 0, restored.stdout[-3000:]


def test_a_label_given_for_other_text_is_not_trained_on(project):
    seed_path = project.root / "seeds" / "code_quality_labels.csv"
    original = seed_path.read_text()
    [(repo, path)] = project.query(
        "select repo, path from int_code_quality_labels where label_status = 'matched' and split = 'train' "
        "order by repo, path limit 1"
    )
    before = model(project)[2]
    try:
        with open(seed_path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            if (row["repo"], row["path"]) == (repo, path):
                row["content_sha256"] = "0" * 64
        with open(seed_path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        result = project.dbt("build", "--select", *SCORE_NODES, "--indirect-selection", "cautious")
        assert result.returncode == 0, result.stdout[-3000:]
        [(status,)] = project.query(
            "select label_status from int_code_quality_labels where repo = ? and path = ?", [repo, path]
        )
        assert status == "content_changed"
        assert model(project)[2] == before - 1
    finally:
        seed_path.write_text(original)
        restored = project.dbt("build", "--select", *SCORE_NODES, "--indirect-selection", "cautious")
        assert restored.returncode == 0, restored.stdout[-3000:]


def test_one_thread_gives_the_same_model_and_scores(project):
    snapshot = (
        "select * from int_code_quality_model",
        "select doc_id, quality_score, quality_int_score from int_code_quality_scores_cache order by doc_id",
    )
    before = [project.query(sql) for sql in snapshot]
    # --full-refresh: the memoized model and the cache would otherwise be reused, not recomputed.
    result = project.dbt("run", "--select", *SCORE_NODES[2:], "--threads", "1", "--full-refresh")
    assert result.returncode == 0, result.stdout[-3000:]
    assert [project.query(sql) for sql in snapshot] == before


def test_curated_python_files_carry_their_score(project):
    rows = project.query(
        "select curated.language, curated.kind, curated.quality_score, scores.quality_score "
        "from fct_curated_files as curated left join int_code_quality_scores_cache as scores using (doc_id)"
    )
    assert rows
    for language, kind, carried, scored in rows:
        assert carried == scored
        assert (carried is not None) == (language == "python" and kind == "code")


def test_a_corpus_with_too_few_labels_builds_with_no_scores(project):
    seed_path = project.root / "seeds" / "code_quality_labels.csv"
    original = seed_path.read_text()
    try:
        seed_path.write_text("\n".join(original.splitlines()[:2]) + "\n")
        result = project.dbt("build", "--select", *SCORE_NODES, "--indirect-selection", "cautious")
        assert result.returncode == 0, result.stdout[-3000:]
        assert project.query("select intercept, n_features from int_code_quality_model") == [(None, 0)]
        assert project.query("select count(*), count(quality_score) from int_code_quality_scores_cache")[0][1] == 0
    finally:
        seed_path.write_text(original)
        restored = project.dbt("build", "--select", *SCORE_NODES, "--indirect-selection", "cautious")
        assert restored.returncode == 0, restored.stdout[-3000:]
