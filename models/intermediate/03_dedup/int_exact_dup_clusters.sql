-- Exact duplicate clusters among the files that passed the filters: files whose normalised
-- content hashes alike. One keeper per cluster by a total order: best license family, then most
-- trusted source tier, then smallest doc_id. No content is stored here.
with

kept_files as (
    select
        doc_id,
        license_family_rank,
        source_tier,
        dedup_hash
    from {{ ref('int_files_filtered') }} as filtered
    where filter_rule is null
        -- Documents dropped by URL dedup (web text) do not take part.
        and not exists (
            select 1 from {{ ref('int_url_dup_clusters') }} as url_dups
            where url_dups.doc_id = filtered.doc_id and not url_dups.is_keeper
        )
),

ranked as (
    select
        *,
        count(*) over (partition by dedup_hash) as cluster_size,
        first_value(doc_id) over (
            partition by dedup_hash
            order by license_family_rank, source_tier, doc_id
        ) as keeper_doc_id
    from kept_files
)

select
    doc_id,
    dedup_hash,
    cluster_size,
    keeper_doc_id,
    doc_id = keeper_doc_id as is_keeper,
    license_family_rank,
    source_tier
from ranked
