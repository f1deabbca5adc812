{{ config(materialized='view') }}
-- The exact-deduplicated files without the near duplicates that were removed (members within
-- near_dedup_threshold of their cluster's keeper).
select
    files.*,
    coalesce(clusters.cluster_size, 1) as near_cluster_size
from {{ ref('int_files_exact_deduped') }} as files
left join {{ ref('int_near_dup_clusters') }} as clusters
    on files.doc_id = clusters.doc_id
where
    clusters.doc_id is null
    or not clusters.is_removed
