"""The code-quality score's ridge fit (python_udfs/kernels/quality_classifier.py) against
independent computations: the primal normal equations, and brute-force refits for the
leave-one-repository-out error that chooses the penalty."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from python_udfs.kernels import quality_classifier
from python_udfs.kernels.quality_classifier import fit_ridge, fit_ridge_vectors


def _problem(n_documents=40, n_features=300, density=0.05, seed=3):
    generator = np.random.default_rng(seed)
    dense = generator.random((n_documents, n_features)) * (generator.random((n_documents, n_features)) < density)
    documents, features = np.nonzero(dense)
    labels = generator.integers(0, 6, n_documents).astype(float)
    groups = np.arange(n_documents) // 4
    return dense, documents, features, dense[documents, features], labels, groups


def _primal(dense, labels, l2):
    """Ridge with the intercept fixed at the mean label, from the normal equations."""
    centred = labels - labels.mean()
    return np.linalg.solve(dense.T @ dense + l2 * np.eye(dense.shape[1]), dense.T @ centred)


def test_weights_equal_the_primal_normal_equations():
    dense, documents, features, values, labels, groups = _problem()
    intercept, weights, l2, _ = fit_ridge(documents, features, values, labels, groups, dense.shape[1], [0.5])
    assert l2 == 0.5
    assert intercept == pytest.approx(labels.mean())
    np.testing.assert_allclose(weights, _primal(dense, labels, 0.5), atol=1e-9)


def test_leave_one_group_out_error_equals_refitting_without_each_group():
    dense, documents, features, values, labels, groups = _problem()
    for l2 in (0.1, 1.0, 10.0):
        _, _, chosen, error = fit_ridge(documents, features, values, labels, groups, dense.shape[1], [l2])
        squared = 0.0
        for group in np.unique(groups):
            kept = groups != group
            # The closed form keeps the intercept of all the labels, so the refit does too.
            centred = labels - labels.mean()
            weights = np.linalg.solve(
                dense[kept].T @ dense[kept] + l2 * np.eye(dense.shape[1]), dense[kept].T @ centred[kept]
            )
            squared += float(np.sum((centred[~kept] - dense[~kept] @ weights) ** 2))
        assert chosen == l2
        assert error == pytest.approx(squared / len(labels), rel=1e-8)


def test_the_penalty_with_the_least_error_is_chosen():
    dense, documents, features, values, labels, groups = _problem()
    errors = {
        l2: fit_ridge(documents, features, values, labels, groups, dense.shape[1], [l2])[3] for l2 in (0.01, 1.0, 100.0)
    }
    best = min(errors, key=errors.get)
    assert len(set(errors.values())) == 3
    assert fit_ridge(documents, features, values, labels, groups, dense.shape[1], [100.0, 0.01, 1.0])[2] == best


def test_entry_order_and_feature_blocks_do_not_change_the_fit(monkeypatch):
    dense, documents, features, values, labels, groups = _problem()
    reference = fit_ridge(documents, features, values, labels, groups, dense.shape[1], [1.0])
    order = np.random.default_rng(0).permutation(len(values))
    monkeypatch.setattr(quality_classifier, "FEATURE_BLOCK", 7)
    shuffled = fit_ridge(documents[order], features[order], values[order], labels, groups, dense.shape[1], [1.0])
    assert shuffled[0] == reference[0] and shuffled[2:] == reference[2:]
    np.testing.assert_array_equal(shuffled[1], reference[1])


def test_bad_input_is_refused_with_a_reason():
    dense, documents, features, values, labels, groups = _problem()
    with pytest.raises(ValueError, match="at least 2 labelled training files"):
        fit_ridge([], [], [], [3.0], [0], 10, [1.0])
    with pytest.raises(ValueError, match="penalties must be positive"):
        fit_ridge(documents, features, values, labels, groups, dense.shape[1], [0.0])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        fit_ridge(documents, features, values, labels, groups, 5, [1.0])


def test_the_arrow_form_fits_each_row():
    dense, documents, features, values, labels, groups = _problem()
    result = fit_ridge_vectors(
        pa.array([documents.tolist(), None]),
        pa.array([features.tolist(), None]),
        pa.array([values.tolist(), None]),
        pa.array([labels.tolist(), None]),
        pa.array([groups.tolist(), None]),
        pa.array([dense.shape[1], None], pa.int32()),
        pa.array([[1.0], None]),
    ).to_pylist()
    assert result[1] is None
    np.testing.assert_allclose(result[0]["weights"], _primal(dense, labels, 1.0), atol=1e-9)


def test_the_arrow_form_fits_nothing_for_a_corpus_without_labels():
    """Spark calls the UDF whatever the CASE around it: a corpus the labels do not describe gives
    empty lists and a NULL list of repositories, and no fit rather than an error."""
    result = fit_ridge_vectors(
        pa.array([[]], pa.list_(pa.int64())),
        pa.array([[]], pa.list_(pa.int64())),
        pa.array([[]], pa.list_(pa.float64())),
        pa.array([[]], pa.list_(pa.float64())),
        pa.array([None], pa.list_(pa.int64())),
        pa.array([0], pa.int32()),
        pa.array([[1.0]]),
    ).to_pylist()
    assert result == [None]
