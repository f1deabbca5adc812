"""Fitting the code-quality score: ridge regression of labelled scores on n-gram features.

The features are computed in SQL (macros/code_quality.sql): each labelled file's extract becomes
L2-normalised sublinear counts of its token unigrams and bigrams, and every n-gram of the
vocabulary has an index. This module only solves the regression, which SQL cannot: given the
sparse matrix as three parallel lists (document, feature, value) and one label per document, it
returns the intercept and one weight per feature. Scoring is SQL again (a join and a sum).

Ridge regression in its dual form (kernel ridge with a linear kernel), the cheap form when there
are far more features than documents: with K = X X^T, alpha = (K + l2 I)^-1 (y - mean(y)),
weights = X^T alpha, and the intercept is mean(y), not penalised. The penalty l2 is chosen from a
grid by leave-one-group-out error (a group is a repository, so a package's near-copies of a file
do not vouch for it), which ridge gives in closed form as scikit-learn's RidgeCV does for single
documents: with G = K + l2 I, the residuals of group g left out are ((G^-1)_gg)^-1 alpha_g, and
one eigendecomposition of K serves every l2 of the grid. X is built one block of features at a time, so memory is documents x block, not
documents x vocabulary. The result depends only on the inputs' values: the entries are sorted
before use and weights are rounded to 12 decimals, so the few last bits a BLAS may change with
its thread count do not reach the table.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["FEATURE_BLOCK", "RIDGE_FIT_TYPE", "fit_ridge", "fit_ridge_vectors"]

# Features per dense block: documents x 4096 doubles (about 20 MB for 600 labelled files).
FEATURE_BLOCK = 4096
WEIGHT_DECIMALS = 12

RIDGE_FIT_TYPE = pa.struct(
    [
        ("intercept", pa.float64()),
        ("weights", pa.list_(pa.float64())),
        ("l2", pa.float64()),
        ("leave_one_group_out_mse", pa.float64()),
    ]
)


def _blocks(documents: np.ndarray, features: np.ndarray, values: np.ndarray, n_documents: int, n_features: int):
    """(first feature, dense documents x block matrix) for consecutive blocks of features."""
    order = np.lexsort((documents, features))
    documents, features, values = documents[order], features[order], values[order]
    bounds = np.searchsorted(features, np.arange(0, n_features + FEATURE_BLOCK, FEATURE_BLOCK))
    for block, first in enumerate(range(0, n_features, FEATURE_BLOCK)):
        start, stop = bounds[block], bounds[block + 1]
        dense = np.zeros((n_documents, min(FEATURE_BLOCK, n_features - first)))
        dense[documents[start:stop], features[start:stop] - first] = values[start:stop]
        yield first, dense


def fit_ridge(
    documents: np.ndarray,
    features: np.ndarray,
    values: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    n_features: int,
    l2_grid: list[float],
) -> tuple[float, np.ndarray, float, float]:
    """(intercept, weights, l2, leave-one-group-out mean squared error) of ridge regression of
    ``labels`` on the sparse matrix given by the 0-based ``documents``/``features`` indexes and
    their ``values`` (``labels[d]`` and ``groups[d]`` are document d's), with the l2 of
    ``l2_grid`` that leaves the smallest leave-one-group-out error (the first of equals)."""
    labels = np.asarray(labels, dtype=np.float64)
    n_documents = len(labels)
    if n_documents < 2:
        raise ValueError(f"the code-quality score needs at least 2 labelled training files, got {n_documents}")
    if not l2_grid or min(l2_grid) <= 0:
        raise ValueError(f"the ridge penalties must be positive, got {l2_grid}")
    documents = np.asarray(documents, dtype=np.int64)
    features = np.asarray(features, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if len(documents) and (documents.min() < 0 or documents.max() >= n_documents):
        raise ValueError("a feature row names a document outside the labels")
    if len(features) and (features.min() < 0 or features.max() >= n_features):
        raise ValueError("a feature row names a feature outside the vocabulary")
    intercept = float(labels.mean())
    centred = labels - intercept
    gram = np.zeros((n_documents, n_documents))
    for _, dense in _blocks(documents, features, values, n_documents, n_features):
        gram += dense @ dense.T
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    groups = np.asarray(groups)
    members = [np.flatnonzero(groups == group) for group in np.unique(groups)]
    best = None
    for l2 in l2_grid:
        inverse = (eigenvectors / (eigenvalues + l2)) @ eigenvectors.T
        alpha = inverse @ centred
        squared = sum(float(np.sum(np.linalg.solve(inverse[np.ix_(m, m)], alpha[m]) ** 2)) for m in members)
        error = squared / n_documents
        if best is None or error < best[0]:
            best = (error, l2, alpha)
    error, l2, alpha = best
    weights = np.empty(n_features)
    for first, dense in _blocks(documents, features, values, n_documents, n_features):
        weights[first : first + dense.shape[1]] = dense.T @ alpha
    return (
        round(intercept, WEIGHT_DECIMALS),
        np.round(weights, WEIGHT_DECIMALS),
        float(l2),
        round(error, WEIGHT_DECIMALS),
    )


def fit_ridge_vectors(documents, features, values, labels, groups, n_features, l2_grid) -> pa.StructArray:
    """The Arrow form: each row holds one whole fit's lists; returns RIDGE_FIT_TYPE per row, NULL for
    a row with a NULL list or fewer than 2 labels. The model's SQL asks for a fit only with 2 labels
    or more, but Spark calls a Python UDF on every row whatever CASE surrounds it."""
    results = []
    for row in range(len(labels)):
        row_labels = labels[row]
        lists = (documents[row], features[row], values[row], row_labels, groups[row])
        if not all(column.is_valid for column in lists) or len(row_labels) < 2:
            results.append(None)
            continue
        intercept, weights, l2, error = fit_ridge(
            documents[row].values.to_numpy(zero_copy_only=False),
            features[row].values.to_numpy(zero_copy_only=False),
            values[row].values.to_numpy(zero_copy_only=False),
            row_labels.values.to_numpy(zero_copy_only=False),
            groups[row].values.to_numpy(zero_copy_only=False),
            n_features[row].as_py(),
            l2_grid[row].as_py(),
        )
        results.append(
            {"intercept": intercept, "weights": weights.tolist(), "l2": l2, "leave_one_group_out_mse": error}
        )
    return pa.array(results, type=RIDGE_FIT_TYPE)
