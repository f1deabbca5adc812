-- How many near-duplicate clusters there are of each size, and the files they remove.
select
    cluster_size,
    count(*) as clusters,
    sum(cluster_size) as files,
    sum(files_removed) as files_removed
from {{ ref('rpt_near_dup_clusters') }}
group by cluster_size
order by cluster_size
