"""Near-dedup quality gate on real code: the pipeline's duplicate pairs against brute-force exact
5-shingle Jaccard over every pair of a few thousand files that include several versions of the
same packages (pip's and setuptools' vendored copies beside the installed originals).

The ground truth tokenises on its own, from BigCode's definition (near_deduplication's
``NON_ALPHA = re.compile("[^A-Za-z_0-9]")``: a code token is a run of ASCII letters, digits and
"_", case kept; prose is lower-cased words of Unicode letters, digits and "_"), not with the
pipeline's tokeniser."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest
import scipy.sparse

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from python_udfs.knobs import load_knobs
from tests.conftest import NEAR_DEDUP_MODELS, make_dbt_project

pytestmark = pytest.mark.dbt

# The defaults the pipeline runs with (knobs.yml).
KNOBS = load_knobs()
THRESHOLD = KNOBS["near_dedup_threshold"]["default"]
SHINGLE_SIZE = KNOBS["near_dedup_shingle_size"]["default"]
# The model removes a file only when the exact Jaccard of its 32-bit shingle-hash set to its
# keeper's reaches THRESHOLD. Hash collisions are the only way that can differ from the Jaccard of
# the shingles themselves: about n**2 / 2**33 of them in a union of n shingles (under one for
# n < 90,000), each moving the Jaccard by about 1/n.
HASH_COLLISION_TOLERANCE = 1e-3
TOKEN_PATTERNS = {"code": re.compile(r"[A-Za-z_0-9]+"), "words": re.compile(r"\w+")}
DISTRIBUTIONS = [
    "pip",
    "setuptools",
    "requests",
    "urllib3",
    "idna",
    "certifi",
    "packaging",
    "importlib-metadata",
    "pygments",
    "colorama",
    "msgpack",
    "truststore",
    "six",
    "typing-extensions",
    "charset-normalizer",
]
STDLIB_MODULES = [
    "importlib",
    "encodings",
    "email",
    "json",
    "logging",
    "http",
    "urllib",
    "xml",
    "unittest",
    "asyncio",
    "concurrent",
    "collections",
    "tomllib",
    "zipfile",
    "re",
    "lib2to3",
    "idlelib",
    "multiprocessing",
    "distutils",
    "ctypes",
    "sqlite3",
    "tkinter",
    "test",
]


def shingles(text: str, kind: str) -> set[tuple[str, ...]]:
    """The set of SHINGLE_SIZE consecutive tokens of a document: code tokens for code, lower-cased
    words for text and docs (vars near_dedup_shingle_unit_*)."""
    tokens = TOKEN_PATTERNS["code"].findall(text) if kind == "code" else TOKEN_PATTERNS["words"].findall(text.lower())
    return {tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(len(tokens) - SHINGLE_SIZE + 1)}


def exact_jaccard(documents: list[tuple[str, str]]) -> scipy.sparse.coo_matrix:
    """Upper-triangle sparse matrix of exact shingle-set Jaccard for every pair of (text, kind)
    documents sharing a shingle."""
    vocabulary: dict[tuple[str, ...], int] = {}
    rows, cols = [], []
    for row, (text, kind) in enumerate(documents):
        for shingle in shingles(text, kind):
            rows.append(row)
            cols.append(vocabulary.setdefault(shingle, len(vocabulary)))
    x = scipy.sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, cols)), shape=(len(documents), len(vocabulary)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    intersections = scipy.sparse.triu(x @ x.T, k=1).tocoo()
    jaccard = intersections.data / (sizes[intersections.row] + sizes[intersections.col] - intersections.data)
    return scipy.sparse.coo_matrix((jaccard, (intersections.row, intersections.col)), shape=intersections.shape)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("near_dedup")
    ingest([stdlib_input(STDLIB_MODULES), *distribution_inputs(DISTRIBUTIONS)], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "sample", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


# The default scheme, and datasketch 2.0's (bit-exact with datasketch): both must pass the gate.
@pytest.fixture(scope="module", params=[KNOBS["near_dedup_minhash_scheme"]["default"], "affine32"])
def measured(built, request):
    project = built
    if request.param != KNOBS["near_dedup_minhash_scheme"]["default"]:
        vars_ = json.dumps({"near_dedup_minhash_scheme": request.param})
        result = project.dbt("run", "--select", *NEAR_DEDUP_MODELS, "--vars", vars_)
        assert result.returncode == 0, result.stdout[-4000:]
    files = project.query(
        """select m.doc_id, u.content, u.kind from int_files_minhashed m join int_files_unioned u using (doc_id)
           where m.signature is not null order by m.doc_id"""
    )
    index = {doc_id: i for i, (doc_id, _, _) in enumerate(files)}
    truth = exact_jaccard([(content, kind) for _, content, kind in files])
    true_pairs = {(int(r), int(c)) for r, c, j in zip(truth.row, truth.col, truth.data) if j >= THRESHOLD}
    # The pipeline's duplicate groups: each keeper with the members removed as its duplicates.
    clusters: dict[str, list[int]] = {}
    for doc_id, keeper in project.query(
        "select doc_id, keeper_doc_id from int_near_dup_clusters where is_keeper or is_removed"
    ):
        clusters.setdefault(keeper, []).append(index[doc_id])
    predicted = {tuple(sorted(p)) for members in clusters.values() for p in itertools.combinations(members, 2)}
    jaccard = {(int(r), int(c)): float(j) for r, c, j in zip(truth.row, truth.col, truth.data)}
    keeper_jaccard = []
    for doc_id, keeper in project.query("select doc_id, keeper_doc_id from int_near_dup_clusters where is_removed"):
        pair = tuple(sorted((index[doc_id], index[keeper])))
        keeper_jaccard.append(jaccard.get(pair, 0.0))
    return {"files": len(files), "true": true_pairs, "predicted": predicted, "keeper_jaccard": keeper_jaccard}


def test_sample_is_a_few_thousand_files_with_real_near_duplicates(measured):
    print(
        f"\nfiles={measured['files']} true pairs={len(measured['true'])} predicted pairs={len(measured['predicted'])}"
    )
    assert measured["files"] >= 2000
    assert len(measured["true"]) >= 100


def test_precision_and_recall_against_exact_jaccard(measured):
    hits = len(measured["true"] & measured["predicted"])
    precision = hits / len(measured["predicted"])
    recall = hits / len(measured["true"])
    print(f"\nprecision={precision:.4f} recall={recall:.4f}")
    assert precision >= 0.95
    assert recall >= 0.90


def test_every_removed_file_reaches_the_threshold_to_its_keeper(measured):
    lowest = min(measured["keeper_jaccard"])
    print(f"\nminimum exact Jaccard of a removed file to its keeper: {lowest:.4f}")
    assert lowest >= THRESHOLD - HASH_COLLISION_TOLERANCE
