-- Exact duplicate clusters among the files that passed the filters and URL dedup: files whose
-- normalised content hashes alike. One keeper per cluster by a total order: best license family,
-- then most trusted source tier, then smallest doc_id. No content is stored here.
with

kept_files as (
    select
        doc_id,
        license_family_rank,
        source_tier,
        dedup_hash
    from {{ ref('int_files_url_deduped') }}
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
