{{ config(materialized='view') }}
-- The files that passed the filters and URL dedup, one per exact-duplicate cluster (its keeper).
select
    files.*,
    clusters.cluster_size as exact_cluster_size
from {{ ref('int_files_url_deduped') }} as files
inner join {{ ref('int_exact_dup_clusters') }} as clusters
    on files.doc_id = clusters.doc_id
where clusters.is_keeper
