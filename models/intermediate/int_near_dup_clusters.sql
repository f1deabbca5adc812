-- Near-duplicate clusters: the connected components of verified edges, each with one keeper
-- chosen by the same total order as exact dedup (license family rank, source tier, doc_id), and
-- every member's estimated similarity to its keeper.
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
    join {{ ref('int_exact_dup_clusters') }} as exact
        on exact.doc_id = components.doc_id
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
)

select
    ranked.doc_id,
    ranked.cluster_id,
    ranked.cluster_size,
    ranked.keeper_doc_id,
    ranked.doc_id = ranked.keeper_doc_id as is_keeper,
    winnow_signature_similarity(member.signature, keeper.signature) as similarity_to_keeper
from ranked
join {{ ref('int_files_minhashed') }} as member
    on member.doc_id = ranked.doc_id
join {{ ref('int_files_minhashed') }} as keeper
    on keeper.doc_id = ranked.keeper_doc_id
