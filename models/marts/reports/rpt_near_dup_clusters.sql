-- Near-duplicate clusters, largest first: size, the keeper and a few member paths, how many
-- members were removed, which kinds (code, text, docs) it spans, and the lowest exact similarity
-- to the keeper among removed and among all members (members under the threshold were reached
-- through a chain and stay in the corpus).
with

members as (
    select
        clusters.*,
        files.kind,
        files.repo || '/' || files.path as repo_path
    from {{ ref('int_near_dup_clusters') }} as clusters
    inner join {{ ref('int_files_unioned') }} as files
        on clusters.doc_id = files.doc_id
)

select
    cluster_id,
    any_value(cluster_size) as cluster_size,
    any_value(repo_path) filter (where is_keeper) as keeper_path,
    {{ list_slice(ordered_list_agg('repo_path', ['repo_path']), '1', '5') }} as sample_paths,
    count(*) filter (where is_removed) as files_removed,
    min(similarity_to_keeper) filter (where is_removed) as min_removed_similarity,
    min(similarity_to_keeper) as min_similarity_to_keeper,
    count(distinct split_part(repo_path, '/', 1) || '/' || split_part(repo_path, '/', 2)) as repos,
    {{ sorted_distinct_string_agg('kind', "', '") }} as kinds
from members
group by cluster_id
order by cluster_size desc, cluster_id asc
