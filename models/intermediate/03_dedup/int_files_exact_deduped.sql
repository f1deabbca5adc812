{{ config(materialized='view') }}
-- The files that passed the filters and URL dedup, one per exact-duplicate cluster (its keeper).
select
    files.*,
    clusters.cluster_size as exact_cluster_size
from {{ ref('int_files_url_deduped') }} as files
join {{ ref('int_exact_dup_clusters') }} as clusters
    on clusters.doc_id = files.doc_id
where clusters.is_keeper
