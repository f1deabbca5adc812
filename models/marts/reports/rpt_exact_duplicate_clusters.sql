-- Exact duplicate clusters by size (with the kinds of their keepers): how many clusters of each
-- size, the files they hold and the files removed (all but one keeper per cluster), with one
-- example path.
with

clusters as (
    select
        clusters.dedup_hash,
        clusters.cluster_size,
        any_value(files.repo || '/' || files.path) filter (where clusters.is_keeper) as keeper_example,
        any_value(files.kind) filter (where clusters.is_keeper) as keeper_kind
    from {{ ref('int_exact_dup_clusters') }} as clusters
    inner join {{ ref('int_files_unioned') }} as files
        on clusters.doc_id = files.doc_id
    group by clusters.dedup_hash, clusters.cluster_size
)

select
    cluster_size,
    count(*) as clusters,
    sum(cluster_size) as files,
    sum(cluster_size - 1) as files_removed,
    min(keeper_example) as example_keeper,
    {{ sorted_distinct_string_agg('keeper_kind', "', '") }} as kinds
from clusters
group by cluster_size
order by cluster_size
