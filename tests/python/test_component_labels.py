"""Connected components of named nodes (the winnow_connected_components UDF behind
int_near_dup_components) against networkx, on a graph of real standard-library module names."""

from __future__ import annotations

import random

import networkx as nx
import pyarrow as pa

from python_udfs.kernels.lsh import component_labels
from tests.conftest import STDLIB

NAMES = sorted(path.stem for path in STDLIB.glob("*.py"))


def edges_of(seed: int, n_edges: int) -> list[tuple[str, str]]:
    draw = random.Random(seed)
    return [(draw.choice(NAMES), draw.choice(NAMES)) for _ in range(n_edges)]


def labels(edges: list[tuple[str, str]]) -> dict[str, str]:
    sources = pa.array([[a for a, _ in edges]], pa.list_(pa.string()))
    targets = pa.array([[b for _, b in edges]], pa.list_(pa.string()))
    row = component_labels(sources, targets).to_pylist()[0]
    assert row["doc_ids"] == sorted(row["doc_ids"])
    return dict(zip(row["doc_ids"], row["cluster_ids"], strict=True))


def test_every_node_is_labelled_with_the_smallest_name_of_its_networkx_component():
    edges = edges_of(seed=7, n_edges=len(NAMES) // 2)
    graph = nx.Graph(edges)
    expected = {node: min(component) for component in nx.connected_components(graph) for node in component}
    assert labels(edges) == expected
    assert len(set(expected.values())) > 10 and max(len(c) for c in nx.connected_components(graph)) > 5


def test_the_order_of_the_edges_and_their_direction_change_nothing():
    edges = edges_of(seed=11, n_edges=200)
    shuffled = [(b, a) for a, b in random.Random(3).sample(edges, len(edges))]
    assert labels(shuffled) == labels(edges)


def test_no_edges_give_no_nodes():
    null_lists = pa.array([None], pa.list_(pa.string()))
    assert component_labels(null_lists, null_lists).to_pylist() == [{"doc_ids": [], "cluster_ids": []}]
    assert labels([]) == {}
