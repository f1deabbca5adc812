-- Near-duplicate clusters: the connected components of verified edges, each with one keeper
-- chosen by the same total order as exact dedup (license family rank, source tier, doc_id). A
-- member is removed only if its exact shingle Jaccard to the keeper reaches near_dedup_threshold:
-- one reached through a chain of verified edges but further from the keeper stays in the corpus.
-- The Jaccard comes from the shingle-hash sets (macro shingle_set_jaccard), never two texts per row.
with

components as (
    select * from {{ ref('int_near_dup_components') }}
),

members as (
    select
        components.doc_id,
        components.cluster_id,
        exact.license_family_rank,
        exact.source_tier
    from components
    inner join {{ ref('int_exact_dup_clusters') }} as exact
        on components.doc_id = exact.doc_id
),

ranked as (
    select
        *,
        count(*) over (partition by cluster_id) as cluster_size,
        first_value(doc_id) over (
            partition by cluster_id
            order by license_family_rank, source_tier, doc_id
        ) as keeper_doc_id
    from members
),

removal_pairs as (
    select
        doc_id,
        keeper_doc_id
    from ranked
    where doc_id != keeper_doc_id
),

similarities as (
    select
        left_doc_id as doc_id,
        exact_similarity
    from {{ shingle_set_jaccard('removal_pairs', 'doc_id', 'keeper_doc_id') }}
),

measured as (
    select
        ranked.doc_id,
        ranked.cluster_id,
        ranked.cluster_size,
        ranked.keeper_doc_id,
        ranked.doc_id = ranked.keeper_doc_id as is_keeper,
        case
            when ranked.doc_id = ranked.keeper_doc_id then 1.0
            else similarities.exact_similarity
        end as similarity_to_keeper
    from ranked
    left join similarities
        on ranked.doc_id = similarities.doc_id
)

select
    *,
    not is_keeper and similarity_to_keeper >= {{ var('near_dedup_threshold') }} as is_removed
from measured
