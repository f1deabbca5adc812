"""Repository documents as a mixture source (`kind = repo` in seeds/mixtures.csv), built end to end
on the corpus of test_repository_documents (stdlib json, email, asyncio, importlib; jinja2, idna)
plus one small repository whose file spells StarCoder2's markers: the shards decode back to the
repository documents, no file is trained both alone and inside its repository document, the
ledger and funnel reconcile, and with `repository_document_format: starcoder2` the markers are
single special tokens while the file that spells them stays text."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input, tree_input
from python_udfs.kernels.bpe_tokenizer import load_tokenizer
from python_udfs.kernels.fim import Sentinels, cut_points, fim_text
from python_udfs.kernels.repository_order import stable_hash
from tests.conftest import make_dbt_project
from tests.dbt.test_repository_documents import DISTRIBUTIONS, STDLIB_PACKAGES

pytestmark = pytest.mark.dbt

SEQ_LEN = 512
VARS = {
    "repository_document_max_tokens": 4096,
    "tokenizer_train_bytes": 1_000_000,
    "tokenizer_vocab_size": 1024,
    "tokenizer_engine_check_bytes": 100_000,
    "seq_len": SEQ_LEN,
    "validation_fraction": 0.25,
    # The corpus's Markdown, reStructuredText and license texts are not Python: they train alone.
    "language_allow_list": ["python", "markdown", "restructuredtext", "text"],
}
# One pass of everything: `repository` trains the Python files inside their repository documents and
# the other files alone; `files` trains every file alone.
MIXTURES = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate,kind
repository,default,,1,,,0.5,0.5,repo
repository,default,,1,,,0.5,0.5,
files,default,,1,,,0.5,0.5,
"""
SENTINELS = Sentinels("<fim_prefix>", "<fim_middle>", "<fim_suffix>")
# A real-looking module of a small repository that spells the markers in its own text.
MARKER_MODULE = '''"""Prompt formats of code models, as plain strings."""

STARCODER2_REPOSITORY = "<repo_name>"
STARCODER2_FILE = "<file_sep>"


def starcoder2_prompt(repository, files):
    """A repository-level prompt: the repository's name, then each file after its path."""
    parts = [STARCODER2_REPOSITORY + repository]
    for path, text in files:
        parts.append(STARCODER2_FILE + path + "\\n" + text)
    return "".join(parts)
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("repository_mixtures")
    markers = root / "markers"
    (markers / "prompts").mkdir(parents=True)
    (markers / "prompts" / "formats.py").write_text(MARKER_MODULE)
    (markers / "prompts" / "__init__.py").write_text("from .formats import starcoder2_prompt\n")
    (markers / "LICENSE").write_text(MIT_LICENSE)
    (markers / "README.md").write_text(MARKER_README)
    inputs = [stdlib_input(STDLIB_PACKAGES), *distribution_inputs(DISTRIBUTIONS), tree_input(markers, "local/markers")]
    ingest(inputs, root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "default", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURES)
    result = project.dbt("build", "--vars", json.dumps(VARS))
    assert result.returncode == 0, result.stdout[-4000:]
    project.build_output = result.stdout
    return project


def training_documents(project, mixture: str) -> list[tuple]:
    return project.query(
        """select position, documents, doc_id, copy, is_fim, is_spm, repo, kind, file_doc_ids
           from fct_training_documents where mixture = ? order by position""",
        [mixture],
    )


def test_no_file_is_trained_both_alone_and_inside_its_repository_document(project):
    curated = {doc_id for (doc_id,) in project.query("select doc_id from fct_curated_files")}
    python = {
        doc_id
        for (doc_id,) in project.query(
            "select doc_id from fct_curated_files where kind = 'code' and language = 'python' and repo is not null"
        )
    }
    rows = training_documents(project, "repository")
    alone = Counter(doc_id for _, documents, doc_id, *_ in rows if documents == "files")
    inside = Counter(f for _, documents, *_, files in rows if documents == "repo" for f in files)
    assert not set(alone) & set(inside)
    # One epoch: every curated file once, the Python files inside their repository documents.
    assert set(inside) == python and set(alone) == curated - python
    assert set(alone.values()) == set(inside.values()) == {1}
    # The file-level mixture beside it trains every file alone.
    assert Counter(doc_id for _, _, doc_id, *_ in training_documents(project, "files")) == Counter(curated)


def test_the_plan_counts_the_tokens_each_row_draws(project):
    rows = dict(
        ((mixture, documents), (files, tokens))
        for mixture, documents, files, tokens in project.query(
            "select mixture, documents, source_files, source_tokens from int_mixture_sources_planned"
        )
    )
    [(repository_tokens, repository_documents)] = project.query(
        "select sum(n_tokens), count(*) from int_repository_token_ids_cache"
    )
    assert rows["repository", "repo"] == (repository_documents, repository_tokens)
    [(other_files,)] = project.query(
        """select count(*) from fct_curated_files
           where not (kind = 'code' and language = 'python' and repo is not null)"""
    )
    assert rows["repository", "files"][0] == other_files
    assert rows["files", "files"][0] == other_files + sum(
        n for (n,) in project.query("select n_files from int_repository_documents")
    )


def _expected_text(document: str, pieces: list[str], doc_id: str, copy: int, is_fim: bool, is_spm: bool) -> str:
    """The text a copy of a repository document trains on: the document, or with each file's piece
    (its path line and text) in FIM form with probability fim_rate (StarCoder2's file-level FIM),
    spelled out here from the draws of the model's header comment."""
    if not is_fim:
        return document
    header = document[: len(document) - sum(len(p) for p in pieces)]
    out = [header]
    for k, piece in enumerate(pieces, start=1):

        def draw(*parts):
            return (int(stable_hash(42, *parts), 16) >> 11) / 2**53

        if draw("fim_file", doc_id, copy, k) < 0.5:
            lo, hi = cut_points(
                [len(piece)], [draw("fim_cut_a", doc_id, copy, k)], [draw("fim_cut_b", doc_id, copy, k)]
            )
            lo, hi = int(lo[0]), int(hi[0])
            out.append(fim_text(piece[:lo], piece[lo:hi], piece[hi:], is_spm, SENTINELS, "starcoder"))
        else:
            out.append(piece)
    return "".join(out)


def _pieces(content: str, starts: list[int], lengths: list[int], paths: list[str]) -> list[str]:
    """Each file's part of a path_comments document: its path line, its text and its trailer."""
    heads = [start - len(f"# {path}\n") for start, path in zip(starts, paths)]
    return [content[a:b] for a, b in zip(heads, [*heads[1:], len(content)])]


def test_shards_decode_back_to_the_repository_documents(project):
    [(path, sha)] = project.query("select tokenizer_path, tokenizer_sha256 from int_tokenizer_prepared")
    tokenizer = load_tokenizer(path, sha)
    out = project.root / "out" / "repository"
    manifest = json.loads((out / "manifest.json").read_text())
    documents = {
        repo_doc_id: (content, _pieces(content, starts, lengths, paths))
        for repo_doc_id, content, starts, lengths, paths in project.query(
            "select repo_doc_id, content, content_starts, content_lengths, paths from int_repository_documents"
        )
    }
    curated = dict(project.query("select doc_id, content from fct_curated_files"))
    copies = {
        position: row
        for position, *row in project.query(
            """select position, documents, doc_id, copy, is_fim, is_spm, split
               from fct_training_documents join fct_repo_splits using (repo) where mixture = 'repository'"""
        )
    }
    checked = Counter()
    for split in ("train", "validation"):
        listed = sorted(f["path"] for f in manifest["files"] if f["format"] == "parquet" and f["split"] == split)
        windows = [w for p in listed for w in pq.read_table(out / p).to_pylist()]
        stream = [t for w in windows for t in w["input_ids"][: w["n_tokens"]]]
        eos = [i for i, t in enumerate(stream) if t == manifest["eos_token_id"]]
        positions = sorted(p for p, row in copies.items() if row[-1] == split)
        for position, (a, b) in zip(positions, zip([-1, *eos], eos)):
            documents_kind, doc_id, copy, is_fim, is_spm, _ = copies[position]
            decoded = tokenizer.hf.decode(stream[a + 1 : b], skip_special_tokens=False)
            if documents_kind == "repo":
                content, pieces = documents[doc_id]
                assert decoded == _expected_text(content, pieces, doc_id, copy, is_fim, is_spm), (doc_id, copy)
                checked["fim" if is_fim and decoded != content else "plain"] += 1
            elif not is_fim:
                assert decoded == curated[doc_id]
    assert checked["plain"] > 5 and checked["fim"] > 5, checked


def test_the_ledger_and_the_funnel_reconcile(project):
    for test in ("assert_every_raw_row_is_curated_or_in_the_ledger_once", "assert_raw_rows_reconcile_with_staging"):
        assert f"PASS {test}" in " ".join(project.build_output.split()), test
    [(raw, curated, dropped)] = project.query(
        """select (select count(*) from int_raw_files_checked), (select count(*) from fct_curated_files),
                  (select count(*) from fct_drop_ledger)"""
    )
    assert raw == curated + dropped
    realised = dict(
        ((mixture, documents), files)
        for mixture, documents, files in project.query("select mixture, documents, files from rpt_mixture")
    )
    [(n_repository_documents,)] = project.query("select count(*) from int_repository_token_ids_cache")
    assert realised["repository", "repo"] == n_repository_documents


def test_starcoder2_markers_are_single_special_tokens_and_a_file_spelling_them_stays_text(project):
    starcoder2 = {**VARS, "repository_document_format": "starcoder2"}
    try:
        # What reads the var, and everything after it (`winnow var-lineage repository_document_format`).
        readers = ["int_repository_files_ordered+", "int_tokenizer_prepared+"]
        result = project.dbt("build", "--select", *readers, "--vars", json.dumps(starcoder2))
        assert result.returncode == 0, result.stdout[-4000:]
        [(path, sha)] = project.query("select tokenizer_path, tokenizer_sha256 from int_tokenizer_prepared")
        tokenizer = load_tokenizer(path, sha)
        special = {t.content: i for i, t in tokenizer.hf.get_added_tokens_decoder().items() if t.special}
        repo_name, file_sep = special["<repo_name>"], special["<file_sep>"]
        rows = project.query(
            """select documents.repo, documents.content, documents.n_files, tokens.input_ids
               from int_repository_documents as documents
               join int_repository_token_ids_cache as tokens using (repo_doc_id)"""
        )
        spelled = 0
        for repo, content, n_files, ids in rows:
            assert ids[0] == repo_name and ids.count(repo_name) == 1
            assert ids.count(file_sep) == n_files
            assert tokenizer.hf.decode(ids, skip_special_tokens=False) == content
            if repo == "local/markers":
                # The module spells both markers: in the text they are more than one token each.
                assert content.count("<file_sep>") > n_files and content.count("<repo_name>") > 1
                spelled += 1
        assert spelled == 1
    finally:
        restored = project.dbt("build", "--select", *readers, "--vars", json.dumps(VARS))
    assert restored.returncode == 0, restored.stdout[-3000:]


def test_a_user_tokenizer_without_the_starcoder2_markers_is_refused_naming_the_var(project, tmp_path):
    [(trained,)] = project.query("select tokenizer_path from int_tokenizer_prepared")
    user = tmp_path / "tokenizer.json"
    user.write_text(Path(trained).read_text())
    variant = {**VARS, "repository_document_format": "starcoder2", "tokenizer_path": str(user)}
    result = project.dbt("run", "--select", "int_tokenizer_prepared", "--vars", json.dumps(variant))
    assert result.returncode != 0
    assert "'<repo_name>' is not a special token" in result.stdout
    assert "var repository_document_format = starcoder2" in result.stdout


MARKER_README = """# markers

Prompt formats of code models as plain strings. `starcoder2_prompt` joins a repository's files
the way StarCoder2 was trained on them: the repository's name after `<repo_name>`, then every
file after `<file_sep>` and its path.
"""

MIT_LICENSE = """MIT License

Copyright (c) 2024 The markers authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
