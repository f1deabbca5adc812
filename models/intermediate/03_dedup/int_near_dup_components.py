"""Connected components of the verified near-duplicate edges.

A vectorised union-find (python_udfs.kernels.lsh.connected_components) over the edge list: SQL would need
one self-join round per step of label propagation. Doc ids are numbered in sorted order, so a
component's label is its smallest doc_id, whatever the order of the edges. Memory is O(edges):
only the doc ids of verified edges are loaded, never content.
"""

import pyarrow as pa
import pyarrow.compute as pc

from python_udfs.kernels.lsh import connected_components


def model(dbt, session):
    dbt.config(materialized="memoized_table")
    edges = dbt.ref("int_near_dup_edges").filter("is_verified").select("doc_id, anchor_doc_id")
    table = edges.to_arrow_table()
    ends = [table["doc_id"].combine_chunks(), table["anchor_doc_id"].combine_chunks()]
    nodes = pc.unique(pa.concat_arrays([e.cast(pa.string()) for e in ends]))
    nodes = pc.take(nodes, pc.sort_indices(nodes))
    sources = pc.index_in(table["doc_id"], value_set=nodes).to_numpy(zero_copy_only=False)
    targets = pc.index_in(table["anchor_doc_id"], value_set=nodes).to_numpy(zero_copy_only=False)
    labels = connected_components(sources, targets, len(nodes))
    return pa.table({"doc_id": nodes, "cluster_id": pc.take(nodes, pa.array(labels))})
