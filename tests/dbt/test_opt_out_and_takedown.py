"""Opt-out and takedown on real code and prose: after a normal build (no --full-refresh) that adds
opt-outs in the spellings people write and removes a source, no table of the database and no file
under out/ (Parquet shards decoded through the tokenizer) holds text of a removed document, and
no cache holds a row of one."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from python_udfs.cli.ingest import ingest, stdlib_input
from python_udfs.cli.text_corpus import TEXT_SCHEMA, distribution_readme_documents, stdlib_docstring_documents
from tests.conftest import STDLIB, make_dbt_project, warnings_other_than_an_empty_validation_split
from tests.dbt.test_incremental_rebuilds import CACHES
from tests.dbt.test_pii_and_decontamination import varchar_values_containing

pytestmark = pytest.mark.dbt

VARS = {"tokenizer_train_bytes": 1_000_000, "tokenizer_vocab_size": 2048}
# Repositories of a The Stack-style source: (repo as the corpus spells it, its files, the opt-out
# entry that names it, or None when it stays).
STACK_REPOS = [
    ("Acme/Widgets", ["heapq.py", "bisect.py"], "https://github.com/acme/widgets.git/"),
    ("acme/gadgets", ["shlex.py"], "github.com/Acme/Gadgets"),
    ("tools/parser", ["tokenize.py"], "Tools/Parser.git"),
    ("Ops/Scheduler", ["sched.py"], "git@github.com:ops/scheduler.git"),
    # A longer name with an opted-out prefix is another repository: it stays.
    ("acme/widgets-fork", ["graphlib.py"], None),
    ("keep/this", ["fnmatch.py", "colorsys.py"], None),
]
# Web text: (URL host as the crawl wrote it, pages, the opt-out entry that names the site or None).
WEB_SITES = [
    ("https://reader:hunter2@Blog.Example.com:443/", ["tiktoken", "datasketch"], "EXAMPLE.COM."),
    ("https://www.other.org/", ["numpy"], "https://user:pw@www.other.org:8443/"),
    ("https://shop.third.net/", ["pyarrow"], "third.net:443"),
    # Ends like example.com but is another domain: it stays.
    ("https://notexample.com/", ["duckdb"], None),
]
KEPT_DOC_MODULES = ["json", "textwrap", "difflib", "calendar", "statistics", "queue"]
REMOVED_SOURCE_MODULES = ["email"]


def stack_rows() -> list[dict]:
    return [
        {
            "content": (STDLIB / name).read_text(),
            "max_stars_repo_name": repo,
            "max_stars_repo_path": name,
            "max_stars_repo_licenses": ["MIT"],
        }
        for repo, names, _ in STACK_REPOS
        for name in names
    ]


def web_documents() -> list[dict]:
    documents = list(stdlib_docstring_documents(KEPT_DOC_MODULES))
    readmes = {
        d["url"].rstrip("/").rsplit("/", 1)[-1]: d
        for d in distribution_readme_documents([name for _, names, _ in WEB_SITES for name in names])
    }
    for site, names, _ in WEB_SITES:
        documents += [dict(readmes[name], id=f"web/{name}", url=f"{site}{name}") for name in names]
    return documents


def distinctive_lines(removed: list[str], kept: list[str]) -> set[str]:
    """Per removed text, its first long line found in no kept text (so a hit can only come from it)."""
    kept_text = "\n".join(kept)
    snippets = set()
    for text in removed:
        for line in (line.strip() for line in text.splitlines()):
            if len(line) >= 40 and line not in kept_text and "<" not in line and "@" not in line:
                snippets.add(line)
                break
    return snippets


def out_files_containing(out_dir, tokenizer_path, needles: set[str]) -> set[tuple[str, str]]:
    """(file, needle) for each needle in any file under out/: its bytes, every string column of a
    Parquet file, and the token ids of a Parquet shard decoded through the tokenizer (the rows in
    order, so documents cut across windows read whole)."""
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    hits = set()
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        texts = [path.read_bytes().decode("utf-8", errors="replace")]
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            for _name, column in zip(table.column_names, table.columns):
                if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                    texts.append("\n".join(v for v in column.to_pylist() if v))
            if "input_ids" in table.column_names:
                ids = [i for window in table.column("input_ids").to_pylist() for i in window]
                texts.append(tokenizer.decode(ids, skip_special_tokens=True))
        hits |= {(str(path.relative_to(out_dir)), needle) for needle in needles for text in texts if needle in text}
    return hits


@pytest.fixture(scope="module")
def takedown(tmp_path_factory):
    root = tmp_path_factory.mktemp("takedown")
    ingest([stdlib_input(["json", "textwrap.py", "string", "csv"])], root / "raw" / "code", progress=False)
    ingest([stdlib_input(REMOVED_SOURCE_MODULES)], root / "raw" / "extra", progress=False)
    (root / "raw" / "stack").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(stack_rows()), root / "raw" / "stack" / "stack.parquet")
    (root / "raw" / "web").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(web_documents(), schema=TEXT_SCHEMA), root / "raw" / "web" / "web.parquet")
    sources = [
        {"source_name": name, "parquet_glob": f"{root}/raw/{name}/*.parquet", "flavour": flavour, "tier": 1}
        for name, flavour in [("code", "winnow"), ("extra", "winnow"), ("stack", "the_stack"), ("web", "text")]
    ]
    project = make_dbt_project(root / "project")
    project.write_sources(sources)
    first = project.dbt("build", "--vars", json.dumps(VARS))
    assert first.returncode == 0, first.stdout[-4000:]

    entries = [entry for *_, entry in STACK_REPOS + WEB_SITES if entry]
    removed_sql = (
        "select doc_id, source, repo from int_raw_files_checked where source = 'extra' or repo in ("
        + ", ".join(f"'{repo}'" for repo in [r for r, _, e in STACK_REPOS if e])
        + ") or "
        + " or ".join(f"url like '{site}%'" for site, _, e in WEB_SITES if e)
    )
    removed = project.query(removed_sql)
    curated_before = {doc_id for (doc_id,) in project.query("select doc_id from fct_curated_files")}
    removed_paths = {path for (path,) in project.query(removed_sql.replace("doc_id, source, repo", "path"))}
    texts = {}  # path -> raw text of every file (paths are unique across these sources)
    for name in ("code", "extra", "stack", "web"):
        for row in pq.read_table(f"{root}/raw/{name}").to_pylist():
            texts[row.get("path") or row.get("max_stars_repo_path") or row["url"]] = (
                row.get("content") or row.get("text") or ""
            )
    removed_texts = [text for path, text in texts.items() if path in removed_paths]
    kept_texts = [text for path, text in texts.items() if path not in removed_paths]
    snippets = distinctive_lines(removed_texts, kept_texts)
    # Before the takedown the scans find the removed text (so the scans after it can fail): in
    # the tables that store text and in the decoded shards.
    assert len(snippets) >= 8
    assert {doc_id for doc_id, _, _ in removed} & curated_before
    stored = varchar_values_containing(project.root / "winnow.duckdb", sorted(snippets))
    assert {table for table, _, _ in stored} >= {"int_pii_redactions_cache", "int_files_curated"}
    shards = out_files_containing(project.root / "out", project.root / "out" / "tokenizer.json", snippets)
    assert any(name.endswith(".parquet") for name, _ in shards)

    # The takedown: opt-outs in every spelling, and the 'extra' source removed. A normal build.
    opt_outs = "repo,requested_on,reference\n" + "".join(f"{entry},2026-11-30,takedown test\n" for entry in entries)
    (project.root / "seeds" / "opt_out_repos.csv").write_text(opt_outs)
    project.write_sources([s for s in sources if s["source_name"] != "extra"])
    second = project.dbt("build", "--vars", json.dumps(VARS))
    # Every data test passes, the ledger invariant among them.
    assert second.returncode == 0, second.stdout[-4000:]
    assert "assert_every_raw_row_is_curated_or_in_the_ledger_once" in second.stdout
    assert warnings_other_than_an_empty_validation_split(second.stdout) == []
    return project, removed, snippets


def test_every_spelling_of_an_opt_out_drops_its_repository_or_site(takedown):
    project, _, _ = takedown
    opted_out = dict(
        project.query("select repo, any_value(detail) from fct_drop_ledger where rule = 'opt_out' group by repo")
    )
    expected = {repo: entry for repo, _, entry in STACK_REPOS if entry}
    hosts = {site.split("://", 1)[1].rstrip("/"): entry for site, _, entry in WEB_SITES if entry}
    assert opted_out == {repo: f"seeds/opt_out_repos.csv: {entry}" for repo, entry in (expected | hosts).items()}


def test_no_cache_holds_a_row_of_a_removed_document(takedown):
    project, removed, _ = takedown
    removed_ids = {doc_id for doc_id, _, _ in removed}
    for cache in CACHES | {"int_prose_signals_cache": ["doc_id"]}:
        held = {doc_id for (doc_id,) in project.query(f"select distinct doc_id from {cache}")}
        assert held, cache
        assert held & removed_ids == set(), cache


def test_no_table_holds_text_of_a_removed_document(takedown):
    project, _, snippets = takedown
    assert varchar_values_containing(project.root / "winnow.duckdb", sorted(snippets)) == set()


def test_no_file_under_out_holds_text_of_a_removed_document(takedown):
    project, _, snippets = takedown
    out = project.root / "out"
    assert out_files_containing(out, out / "tokenizer.json", snippets) == set()
