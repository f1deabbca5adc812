"""Near-dedup quality gate on real code: the pipeline's duplicate pairs against brute-force exact
5-shingle Jaccard over every pair of a few thousand files that include several versions of the
same packages (pip's and setuptools' vendored copies beside the installed originals)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from python_udfs.knobs import load_knobs
from python_udfs.kernels.minhash import shingle_tokens
from tests.conftest import make_dbt_project

# The pipeline's shingles for code, from the vars' defaults.
KNOBS = load_knobs()
SHINGLE_SIZE, SHINGLE_UNIT = KNOBS["near_dedup_shingle_size"]["default"], KNOBS["near_dedup_shingle_unit_code"]["default"]

pytestmark = pytest.mark.dbt

THRESHOLD = 0.7
DISTRIBUTIONS = ["pip", "setuptools", "requests", "urllib3", "idna", "certifi", "packaging",
                 "importlib-metadata", "pygments", "colorama", "msgpack", "truststore", "six",
                 "typing-extensions", "charset-normalizer"]
STDLIB_MODULES = ["importlib", "encodings", "email", "json", "logging", "http", "urllib", "xml",
                  "unittest", "asyncio", "concurrent", "collections", "tomllib", "zipfile", "re",
                  "lib2to3", "idlelib", "multiprocessing", "distutils", "ctypes", "sqlite3", "tkinter",
                  "test"]


def exact_jaccard(texts: list[str]) -> scipy.sparse.coo_matrix:
    """Upper-triangle sparse matrix of exact shingle-set Jaccard for every pair sharing a shingle."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, text in enumerate(texts):
        for shingle in set(shingle_tokens(text, SHINGLE_SIZE, SHINGLE_UNIT)):
            rows.append(row)
            cols.append(vocabulary.setdefault(shingle, len(vocabulary)))
    x = scipy.sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, cols)), shape=(len(texts), len(vocabulary)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    intersections = scipy.sparse.triu(x @ x.T, k=1).tocoo()
    jaccard = intersections.data / (sizes[intersections.row] + sizes[intersections.col] - intersections.data)
    return scipy.sparse.coo_matrix((jaccard, (intersections.row, intersections.col)), shape=intersections.shape)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    root = tmp_path_factory.mktemp("near_dedup")
    ingest([stdlib_input(STDLIB_MODULES), *distribution_inputs(DISTRIBUTIONS)], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources([{"source_name": "sample", "parquet_glob": f"{root}/raw/*.parquet",
                            "flavour": "winnow", "tier": 1}])
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    files = project.query(
        """select m.doc_id, u.content from int_files_minhashed m join int_files_unioned u using (doc_id)
           where m.signature is not null order by m.doc_id"""
    )
    index = {doc_id: i for i, (doc_id, _) in enumerate(files)}
    truth = exact_jaccard([content for _, content in files])
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
    print(f"\nfiles={measured['files']} true pairs={len(measured['true'])} predicted pairs={len(measured['predicted'])}")
    assert measured["files"] >= 2000
    assert len(measured["true"]) >= 100


def test_precision_and_recall_against_exact_jaccard(measured):
    hits = len(measured["true"] & measured["predicted"])
    precision = hits / len(measured["predicted"])
    recall = hits / len(measured["true"])
    print(f"\nprecision={precision:.4f} recall={recall:.4f}")
    assert precision >= 0.95
    assert recall >= 0.90


def test_no_cluster_member_is_far_from_its_keeper(measured):
    lowest = min(measured["keeper_jaccard"])
    print(f"\nminimum exact Jaccard of a removed file to its keeper: {lowest:.3f}")
    assert lowest >= 0.5
