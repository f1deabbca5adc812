-- Near-duplicate clusters, largest first: size, the keeper and a few member paths, and the
-- lowest estimated similarity of a member to its keeper.
with

members as (
    select
        clusters.*,
        files.repo || '/' || files.path as repo_path
    from {{ ref('int_near_dup_clusters') }} as clusters
    join {{ ref('int_files_unioned') }} as files
        on files.doc_id = clusters.doc_id
)

select
    cluster_id,
    any_value(cluster_size) as cluster_size,
    any_value(repo_path) filter (where is_keeper) as keeper_path,
    list(repo_path order by repo_path)[1:5] as sample_paths,
    min(similarity_to_keeper) as min_similarity_to_keeper,
    count(distinct split_part(repo_path, '/', 1) || '/' || split_part(repo_path, '/', 2)) as repos
from members
group by cluster_id
order by cluster_size desc, cluster_id
