{{ config(materialized='memoized_table') }}
-- Connected components of the verified near-duplicate edges: one call of the
-- winnow_connected_components UDF (vectorised union-find, python_udfs.kernels.lsh) over the edge
-- list as two aligned lists, since SQL would need one self-join round per step of label
-- propagation. A component's label is its smallest doc_id, whatever the order of the edges.
-- Memory is O(edges): only the doc ids of verified edges are loaded, never content.
with

edges as (
    select
        doc_id,
        anchor_doc_id
    from {{ ref('int_near_dup_edges') }}
    where is_verified
),

graph as (
    select
        winnow_connected_components(
            {{ ordered_list_agg('doc_id', ['doc_id', 'anchor_doc_id']) }},
            {{ ordered_list_agg('anchor_doc_id', ['doc_id', 'anchor_doc_id']) }}
        ) as components
    from edges
)

select
    {{ unnest_lists_in_step([['components.doc_ids', 'doc_id'], ['components.cluster_ids', 'cluster_id']]) }}
from graph
