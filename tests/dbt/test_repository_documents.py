"""`dbt build` of the repository documents on real packages (stdlib json, email, asyncio and
importlib; the jinja2 and idna distributions): every file comes after the files it imports (checked
against a graph the interpreter's path finder resolves), the documents give back exactly the
curated files, keep to the token budget, and are the same with one thread."""

from __future__ import annotations

import hashlib
import json
import math
import sysconfig
from pathlib import Path

import pytest

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from python_udfs.kernels.repository_order import stable_hash
from tests.conftest import PROJECT_ROOT, make_dbt_project
from tests.python.test_repository_order import assert_imports_come_first, independent_import_graph

pytestmark = pytest.mark.dbt

STDLIB_PACKAGES = ["json", "email", "asyncio", "importlib"]
DISTRIBUTIONS = ["jinja2", "idna"]
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# Small enough that the packages split into several documents and some files stand alone.
VARS = {"repository_document_max_tokens": 4096}
REPOSITORY_MIXTURE = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate,kind
repository,default,,1,,,0.5,0.5,repo
"""
MODELS = ["--select", "int_repository_file_imports", "int_repository_files_ordered", "int_repository_documents"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("repository_documents")
    ingest([stdlib_input(STDLIB_PACKAGES), *distribution_inputs(DISTRIBUTIONS)], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "default", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    # Repository documents are built for the sources a mixture trains as such.
    (project.root / "seeds" / "mixtures.csv").write_text(REPOSITORY_MIXTURE)
    # The curated marts too: their data tests reconcile every raw row with the curated files and the ledger.
    selection = ["+int_repository_documents", "+fct_curated_files", "+fct_drop_ledger", "+fct_funnel"]
    result = project.dbt(
        "build", "--select", *selection, "--indirect-selection", "cautious", "--vars", json.dumps(VARS)
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def curated_python(project) -> dict[str, tuple[str, str, str]]:
    rows = project.query(
        "select doc_id, repo, path, content from int_files_curated where kind = 'code' and language = 'python'"
    )
    return {doc_id: (repo, path, content) for doc_id, repo, path, content in rows}


def documents(project) -> list[tuple]:
    return project.query(
        """select repo, document, content, doc_ids, paths, content_starts, content_lengths, n_files,
                  estimated_tokens
           from int_repository_documents order by repo, document"""
    )


def repository_graph(repo: str, paths: list[str]):
    if repo == "python/cpython":
        return independent_import_graph(paths)
    return independent_import_graph(paths, root=SITE_PACKAGES, prefix="")


@pytest.mark.parametrize("repo", ["python/cpython", "pypi/jinja2", "pypi/idna"])
def test_every_file_comes_after_the_files_it_imports(project, repo):
    rows = project.query(
        "select path, position, document from int_repository_files_ordered where repo = ? order by position", [repo]
    )
    order = [path for path, _, _ in rows]
    assert [position for _, position, _ in rows] == list(range(len(rows)))
    # Documents follow the order: a later document never holds an earlier file.
    assert [document for *_, document in rows] == sorted(document for *_, document in rows)
    assert assert_imports_come_first(order, repository_graph(repo, order)) > 0


def test_the_packages_hold_cycles_and_every_file_of_a_cycle_is_placed(project):
    import networkx as nx

    rows = project.query("select path from int_repository_files_ordered where repo = 'python/cpython'")
    paths = [path for (path,) in rows]
    cycles = [c for c in nx.strongly_connected_components(repository_graph("python/cpython", paths)) if len(c) > 1]
    assert cycles
    assert len(paths) == len(set(paths))


def test_documents_give_back_exactly_the_curated_files(project):
    curated = curated_python(project)
    seen = []
    for repo, _, content, doc_ids, paths, starts, lengths, n_files, _ in documents(project):
        assert content.startswith(f"# repository: {repo}\n")
        assert n_files == len(doc_ids) == len(paths) == len(starts) == len(lengths)
        for doc_id, path, start, length in zip(doc_ids, paths, starts, lengths, strict=True):
            assert curated[doc_id][:2] == (repo, path)
            assert content[start : start + length] == curated[doc_id][2]
            header = f"# {path}\n"
            assert content[start - len(header) : start] == header
        seen.extend(doc_ids)
    assert sorted(seen) == sorted(curated), "every curated Python file is in exactly one document"


def test_documents_keep_to_the_budget_unless_one_file_is_longer(project):
    rows = documents(project)
    budget = VARS["repository_document_max_tokens"]
    over = [(repo, document, n) for repo, document, *_, n_files, n in rows if n > budget and n_files > 1]
    assert not over
    assert any(n > budget and n_files == 1 for *_, n_files, n in rows), "some file is longer than the budget"
    split = project.query("select repo from int_repository_documents group by repo having count(*) > 1")
    assert {"python/cpython", "pypi/jinja2"} <= {repo for (repo,) in split}
    for _, _, content, *_, n in rows:
        assert n == math.ceil(len(content.encode()) / 3.5)


def documents_digest(project) -> str:
    return hashlib.sha256(repr(documents(project)).encode()).hexdigest()


def test_the_same_documents_with_one_thread(project):
    before = documents_digest(project)
    result = project.dbt("build", "--full-refresh", *MODELS, "--vars", json.dumps(VARS), env={"WINNOW_THREADS": "1"})
    assert result.returncode == 0, result.stdout[-3000:]
    assert project.model_statuses()["int_repository_documents"] != "REUSED"
    assert documents_digest(project) == before


def test_random_order_with_starcoder2_tokens(project):
    variant = {**VARS, "repository_document_order": "random", "repository_document_format": "starcoder2"}
    try:
        result = project.dbt("build", *MODELS, "--vars", json.dumps(variant))
        assert result.returncode == 0, result.stdout[-3000:]
        rows = project.query(
            "select repo, path from int_repository_files_ordered where repo = 'pypi/jinja2' order by position"
        )
        paths = [path for _, path in rows]
        assert paths == sorted(paths, key=lambda p: (stable_hash(42, "repository_order", "pypi/jinja2", p), p))
        curated = curated_python(project)
        for repo, _, content, doc_ids, paths, starts, lengths, *_ in documents(project):
            assert content.startswith(f"<repo_name>{repo}<file_sep>")
            for doc_id, path, start, length in zip(doc_ids, paths, starts, lengths, strict=True):
                assert content[start - len(f"<file_sep>{path}\n") : start] == f"<file_sep>{path}\n"
                assert content[start : start + length] == curated[doc_id][2]
    finally:
        assert project.dbt("build", *MODELS, "--vars", json.dumps(VARS)).returncode == 0


def test_without_a_mixture_of_kind_repo_nothing_is_parsed(project):
    shipped = (PROJECT_ROOT / "seeds" / "mixtures.csv").read_text()
    seed = project.root / "seeds" / "mixtures.csv"
    try:
        seed.write_text(shipped)
        result = project.dbt("build", "--select", "mixtures", *MODELS[1:], "--vars", json.dumps(VARS))
        assert result.returncode == 0, result.stdout[-3000:]
        assert project.query("select count(*) from int_repository_file_imports") == [(0,)]
        assert project.query("select count(*) from int_repository_documents") == [(0,)]
    finally:
        seed.write_text(REPOSITORY_MIXTURE)
        restored = project.dbt("build", "--select", "mixtures", *MODELS[1:], "--vars", json.dumps(VARS))
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert project.query("select count(*) from int_repository_file_imports")[0][0] > 100
