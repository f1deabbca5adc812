"""Locality-sensitive hashing helpers over MinHash signatures, vectorised with numpy.

Banding itself (grouping documents whose band keys match) and candidate pairs are SQL; these
functions only turn a vector of signatures into per-band keys, and score candidate pairs by the
fraction of equal signature positions (the MinHash estimate of Jaccard similarity).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .utils import as_array

__all__ = ["COMPONENTS_TYPE", "band_keys", "component_labels", "connected_components", "signature_similarity"]

# FNV-1a's 64-bit offset basis and prime: a documented, engine-independent way to fold a band's
# `rows` uint32 values into one 64-bit key. A collision only adds a candidate pair, which the
# similarity check then rejects, so it cannot change the result.
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def _signature_matrix(signatures: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(rows x num_perm uint32 matrix of the valid signatures, validity mask of the input)."""
    valid = np.asarray(signatures.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    present = signatures.filter(pa.array(valid))
    if len(present) == 0:
        return np.zeros((0, 0), np.uint32), valid
    lengths = present.value_lengths().to_numpy()
    if lengths.min() != lengths.max():
        raise ValueError("signatures of one batch must all have the same number of permutations")
    values = present.flatten().to_numpy(zero_copy_only=False).astype(np.uint32, copy=False)
    return values.reshape(len(present), int(lengths[0])), valid


def band_keys(signatures: pa.Array | pa.ChunkedArray, bands: int, rows: int) -> pa.Array:
    """``list<uint64>`` of ``bands`` keys per signature: FNV-1a over each band's ``rows`` values.

    Band ``i`` covers positions ``[i * rows, (i + 1) * rows)``. NULL signature -> NULL.
    """
    signatures = as_array(signatures)
    matrix, valid = _signature_matrix(signatures)
    if len(matrix) and bands * rows > matrix.shape[1]:
        raise ValueError(f"bands x rows = {bands * rows} exceeds the signature length {matrix.shape[1]}")
    banded = matrix[:, : bands * rows].reshape(len(matrix), bands, rows).astype(np.uint64)
    keys = np.full((len(matrix), bands), _FNV_OFFSET, dtype=np.uint64)
    for j in range(rows):
        keys ^= banded[:, :, j]
        keys *= _FNV_PRIME
    out = np.zeros((len(valid), bands), dtype=np.uint64)
    out[valid] = keys
    offsets = np.arange(0, (len(valid) + 1) * bands, bands, dtype=np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(out.ravel(), pa.uint64()), mask=pa.array(~valid))


def signature_similarity(left: pa.Array | pa.ChunkedArray, right: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Fraction of equal positions of two signatures, row by row (NULL if either is NULL)."""
    left, right = as_array(left), as_array(right)
    both = np.asarray(pa.compute.and_(left.is_valid(), right.is_valid()).to_numpy(zero_copy_only=False), dtype=bool)
    mask = pa.array(both)
    a, _ = _signature_matrix(left.filter(mask))
    b, _ = _signature_matrix(right.filter(mask))
    result = np.full(len(both), np.nan)
    if len(a):
        result[both] = (a == b).mean(axis=1)
    return pa.array(result, pa.float64(), mask=~both)


def connected_components(sources: np.ndarray, targets: np.ndarray, n_nodes: int) -> np.ndarray:
    """Component label of every node 0..n_nodes-1: the smallest node index in its component.

    Vectorised union-find: every round hooks each edge's larger root under the smaller one, then
    compresses paths by pointer jumping, until every edge joins equal roots. Deterministic: the
    result does not depend on the order of the edges.
    """
    parent = np.arange(n_nodes, dtype=np.int64)
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    while True:
        root_s, root_t = parent[sources], parent[targets]
        unjoined = root_s != root_t
        if not unjoined.any():
            return parent
        low = np.minimum(root_s[unjoined], root_t[unjoined])
        high = np.maximum(root_s[unjoined], root_t[unjoined])
        np.minimum.at(parent, high, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


# Per row of component_labels: every node and its component's label, in the nodes' sorted order.
COMPONENTS_TYPE = pa.struct([("doc_ids", pa.list_(pa.string())), ("cluster_ids", pa.list_(pa.string()))])


def component_labels(sources: pa.Array, targets: pa.Array) -> pa.StructArray:
    """The Arrow form of connected_components over named nodes: each row holds one whole graph as
    two aligned lists of node names (an edge's two ends); returns COMPONENTS_TYPE per row, each
    node's label the smallest name in its component (NULL lists: no edges)."""
    import pyarrow.compute as pc

    sources, targets = as_array(sources), as_array(targets)
    results = []
    for row in range(len(sources)):
        if not sources[row].is_valid or not targets[row].is_valid:
            results.append({"doc_ids": [], "cluster_ids": []})
            continue
        ends = [sources[row].values.cast(pa.string()), targets[row].values.cast(pa.string())]
        if len(ends[0]) != len(ends[1]):
            raise ValueError(f"component_labels: {len(ends[0])} edge sources but {len(ends[1])} targets")
        nodes = pc.unique(pa.concat_arrays(ends))
        nodes = pc.take(nodes, pc.sort_indices(nodes))
        source_index = pc.index_in(ends[0], value_set=nodes).to_numpy(zero_copy_only=False)
        target_index = pc.index_in(ends[1], value_set=nodes).to_numpy(zero_copy_only=False)
        labels = connected_components(source_index, target_index, len(nodes))
        results.append({"doc_ids": nodes.to_pylist(), "cluster_ids": pc.take(nodes, pa.array(labels)).to_pylist()})
    return pa.array(results, type=COMPONENTS_TYPE)
