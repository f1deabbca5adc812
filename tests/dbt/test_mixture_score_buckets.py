"""Sampling by score: a mixture splits a source's files into buckets of the learned code-quality
score (seeds/mixture_score_buckets.csv) and repeats each bucket as it says. On real files (the
labelled files of seeds/code_quality_labels.csv as this interpreter installs them, plus other
standard-library modules as a second source), the realised token share of every bucket is
recounted from the training documents' token ids and held to 0.5 percentage points of a target
computed here from the seed, the curated scores and the token counts."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from python_udfs.cli.ingest import ingest, stdlib_input
from tests.conftest import make_dbt_project
from tests.dbt.fixtures import write_labelled_code_corpus

pytestmark = pytest.mark.dbt

VARS = {"tokenizer_train_bytes": 3_000_000, "tokenizer_vocab_size": 8192}
MIXTURES = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate
by_score,code,,1,,,0.5,0.5
by_score,small,,1,,,0.5,0.5
weighted,code,0.7,,,,0.0,
weighted,small,0.3,,,,0.0,
plain,*,,1,,,0.0,
"""
# Nemotron-CC's shape: drop the lowest scores, keep the middle once, upsample the best.
BUCKETS = """mixture,source,min_score,repeats
by_score,code,2,1
by_score,code,3,2.5
weighted,*,0,0.5
weighted,*,3,3
"""
# (mixture, source) -> [(min_score, repeats)], as the seed says, for the recount.
SEED_BUCKETS = {
    ("by_score", "code"): [(0, 0.0), (2, 1.0), (3, 2.5)],
    ("weighted", "code"): [(0, 0.5), (3, 3.0)],
    # '*': every source of the mixture without bucket rows of its own.
    ("weighted", "small"): [(0, 0.5), (3, 3.0)],
}
SOURCE_WEIGHTS = {"weighted": {"code": 0.7, "small": 0.3}}
BUILD = "+rpt_mixture +rpt_mixture_kinds +fct_curated_files"


def repeats_of(mixture: str, source: str, score: int | None) -> float:
    """A file's repeats per pass, from the seed as written (below the lowest bucket: 0)."""
    buckets = SEED_BUCKETS.get((mixture, source))
    if buckets is None or score is None:
        return 1.0
    return next(repeats for low, repeats in reversed(buckets) if score >= low)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("score_buckets")
    # code: the labelled files and 150 other Python files (the model trains on the labels);
    # small: standard-library packages, a source without buckets.
    write_labelled_code_corpus(root / "code", others=150)
    ingest([stdlib_input(["tomllib", "zipfile", "sqlite3", "json"])], root / "small", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [
            {"source_name": name, "parquet_glob": f"{root}/{name}/*.parquet", "flavour": "winnow", "tier": 1}
            for name in ("code", "small")
        ]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURES)
    (project.root / "seeds" / "mixture_score_buckets.csv").write_text(BUCKETS)
    result = project.dbt("build", "--select", BUILD, "--indirect-selection", "cautious", "--vars", json.dumps(VARS))
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def curated(project) -> dict[str, tuple[str, int | None, int]]:
    """doc_id -> (source, quality_int_score, tokens) of every curated, tokenised file."""
    return {
        doc_id: (source, score, tokens)
        for doc_id, source, score, tokens in project.query(
            """select f.doc_id, f.source, f.quality_int_score, t.n_tokens
               from fct_curated_files f join int_files_tokenized t using (doc_id)"""
        )
    }


def bucket_of(mixture: str, source: str, score: int | None) -> str:
    buckets = SEED_BUCKETS.get((mixture, source))
    if buckets is None:
        return "all"
    if score is None:
        return "unscored"
    lows = [low for low, _ in buckets]
    index = max(i for i, low in enumerate(lows) if score >= low)
    high = lows[index + 1] - 1 if index + 1 < len(lows) else 5
    return f"{lows[index]}-{high}" if high > lows[index] else str(lows[index])


def expected_shares(project) -> dict[tuple[str, str, str], float]:
    """Each (mixture, source, bucket)'s target share, from the seeds and the token counts."""
    files = curated(project)
    shares = {}
    for mixture in ("by_score", "weighted"):
        pass_tokens: Counter = Counter()
        bucket_tokens: Counter = Counter()
        for source, score, tokens in files.values():
            repeats = repeats_of(mixture, source, score)
            pass_tokens[source] += repeats * tokens
            bucket_tokens[(source, bucket_of(mixture, source, score))] += repeats * tokens
        weights = SOURCE_WEIGHTS.get(mixture) or {s: t / sum(pass_tokens.values()) for s, t in pass_tokens.items()}
        for (source, bucket), tokens in bucket_tokens.items():
            shares[(mixture, source, bucket)] = weights[source] * tokens / pass_tokens[source]
    return shares


def recounted_bucket_shares(project) -> dict[tuple[str, str, str], float]:
    """Each (mixture, source, bucket)'s share of its mixture's token ids, the bucket found here
    from the curated file's score (not from the pipeline's own score_bucket column)."""
    files = curated(project)
    tokens: Counter = Counter()
    totals: Counter = Counter()
    for mixture, doc_id, n in project.query(
        "select mixture, doc_id, len(input_ids) from fct_training_documents where mixture in ('by_score', 'weighted')"
    ):
        source, score, _ = files[doc_id]
        tokens[(mixture, source, bucket_of(mixture, source, score))] += n
        totals[mixture] += n
    return {key: n / totals[key[0]] for key, n in tokens.items()}


def test_every_bucket_realises_its_share_within_half_a_point(project):
    expected = expected_shares(project)
    realised = recounted_bucket_shares(project)
    # Real buckets: the learned score puts files in each bucket the seed names.
    populated = {key for key, share in expected.items() if share > 0}
    assert {b for m, s, b in populated if (m, s) == ("by_score", "code")} == {"2", "3-5"}
    assert {b for m, s, b in populated if (m, s) == ("weighted", "code")} == {"0-2", "3-5"}
    for key in sorted(set(expected) | set(realised)):
        error = 100 * (realised.get(key, 0.0) - expected.get(key, 0.0))
        print(f"{key} target {expected.get(key, 0):.4f} realised {realised.get(key, 0):.4f} error {error:+.3f} pp")
        assert abs(error) <= 0.5, key


def test_files_below_the_minimum_score_are_never_drawn_and_the_best_are_upsampled(project):
    files = curated(project)
    copies = Counter(doc_id for (doc_id,) in project.query("select doc_id from fct_mixture where mixture = 'by_score'"))
    by_score = {doc_id: score for doc_id, (source, score, _) in files.items() if source == "code"}
    dropped = [d for d, score in by_score.items() if score is not None and score < 2]
    assert dropped and not any(copies[d] for d in dropped)
    assert {copies[d] for d, score in by_score.items() if score == 2} == {1}
    # 2.5 repeats of one pass: every file twice, and a half pass by tokens a third time.
    best = [copies[d] for d, score in by_score.items() if score is not None and score >= 3]
    assert set(best) == {2, 3} and 0.3 < best.count(3) / len(best) < 0.7
    assert {copies[d] for d, (source, _, _) in files.items() if source == "small"} == {1}


def test_rpt_mixture_reports_each_bucket_as_recounted(project):
    realised = recounted_bucket_shares(project)
    rows = project.query(
        """select mixture, source, score_bucket, repeats, target_share, realised_share, share_error_pp
           from rpt_mixture where mixture in ('by_score', 'weighted')"""
    )
    buckets = {(m, s, b): (r, t, share, e) for m, s, b, r, t, share, e in rows}
    assert {(m, b) for m, s, b in buckets if s == "code"} == {
        ("by_score", "0-1"),
        ("by_score", "2"),
        ("by_score", "3-5"),
        ("by_score", "unscored"),
        ("weighted", "0-2"),
        ("weighted", "3-5"),
        ("weighted", "unscored"),
    }
    assert buckets[("by_score", "code", "0-1")][:3] == (0, 0, 0)
    assert buckets[("by_score", "code", "3-5")][0] == 2.5
    assert buckets[("by_score", "small", "all")][0] == 1
    expected = expected_shares(project)
    for key, (_, target, share, error) in buckets.items():
        assert target == pytest.approx(expected.get(key, 0.0), abs=1e-9), key
        assert share == pytest.approx(realised.get(key, 0.0), abs=1e-12), key
        assert abs(error) <= 0.5, key
    # The source's buckets add up to its share: weighted's weights are the seed's.
    code_share = sum(t for (m, s, _), (_, t, _, _) in buckets.items() if (m, s) == ("weighted", "code"))
    assert code_share == pytest.approx(0.7)


def test_a_mixture_without_buckets_keeps_one_bucket_per_source(project):
    rows = project.query("select source, score_bucket, target_share from rpt_mixture where mixture = 'plain'")
    assert sorted((s, b) for s, b, _ in rows) == [("code", "all"), ("small", "all")]
    assert project.query(
        "select count(*) from fct_training_documents where mixture = 'plain' and score_bucket <> 'all'"
    ) == [(0,)]


@pytest.mark.parametrize(
    ("rows", "messages"),
    [
        (
            "nowhere,code,2,1\nby_score,nothing,2,1\nby_score,code,2,\nweighted,code,3,1\nweighted,code,3,2\n",
            [
                "mixture 'nowhere', source 'code', min_score 2: the mixture trains no source's files",
                "mixture 'by_score', source 'nothing', min_score 2: the mixture does not train this source's files",
                "mixture 'by_score', source 'code', min_score 2: repeats is empty",
                "mixture 'weighted', source 'code', min_score 3: the source already has a bucket from this score",
            ],
        ),
        (
            "by_score,code,7,1\nby_score,code,2,-1\nby_score,code,3,nan\n",
            [
                "seeds/mixture_score_buckets.csv, mixture 'by_score', source 'code': min_score = 7 must be between 0 and 5",
                "repeats = -1 must be between 0 and 100",
                "repeats = nan must be a finite number",
            ],
        ),
    ],
    ids=["structure", "numbers"],
)
def test_bad_bucket_rows_stop_the_build_naming_each_row(project, rows, messages):
    seed = project.root / "seeds" / "mixture_score_buckets.csv"
    try:
        seed.write_text("mixture,source,min_score,repeats\n" + rows)
        result = project.dbt(
            "build", "--select", "mixture_score_buckets", "int_mixture_buckets_planned", "--vars", json.dumps(VARS)
        )
        assert result.returncode != 0
        output = " ".join(result.stdout.split())
        for message in messages:
            assert message.replace("''", "'") in output.replace("''", "'"), (message, result.stdout[-3000:])
    finally:
        seed.write_text(BUCKETS)
        assert project.dbt("seed", "--select", "mixture_score_buckets").returncode == 0


def test_a_source_without_a_score_column_has_no_fineweb_edu_score(project):
    # Buckets read FineWeb-Edu's score where there is no code-quality score: a winnow source has
    # none (NULL, not the top of the scale), so no file is upsampled for a score it never had.
    assert project.query("select count(*), count(edu_int_score) from fct_curated_files") == [(len(curated(project)), 0)]


def test_a_source_with_only_an_unscored_row_keeps_every_scored_file_once(project):
    seed = project.root / "seeds" / "mixture_score_buckets.csv"
    try:
        seed.write_text("mixture,source,min_score,repeats\nby_score,code,,0\n")
        result = project.dbt(
            "build", "--select", "mixture_score_buckets", "int_mixture_buckets_planned", "--vars", json.dumps(VARS)
        )
        assert result.returncode == 0, result.stdout[-3000:]
        rows = project.query(
            """select score_bucket, repeats, bucket_files from int_mixture_buckets_planned
               where mixture = 'by_score' and source = 'code' order by score_bucket"""
        )
        scored = sum(1 for source, score, _ in curated(project).values() if source == "code" and score is not None)
        assert rows == [("0-5", 1.0, scored), ("unscored", 0.0, 0)]
    finally:
        seed.write_text(BUCKETS)
        restored = project.dbt(
            "build", "--select", "mixture_score_buckets", "int_mixture_buckets_planned", "--vars", json.dumps(VARS)
        )
        assert restored.returncode == 0
