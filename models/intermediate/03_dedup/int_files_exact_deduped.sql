{{ config(materialized='view') }}
-- The files that passed the filters, one per exact-duplicate cluster (its keeper).
select
    files.*,
    clusters.cluster_size as exact_cluster_size
from {{ ref('int_files_filtered') }} as files
join {{ ref('int_exact_dup_clusters') }} as clusters
    on clusters.doc_id = files.doc_id
where files.filter_rule is null
    and clusters.is_keeper
