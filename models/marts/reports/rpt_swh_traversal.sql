-- Per Software Heritage export (flavour swh): how far each origin got (a full visit, a branch, a
-- root directory), what the traversal reached and what it reported as a problem, and what became
-- of the files in the ledger (blobs missing from the store).
with

heads as (
    select * from {{ ref('stg_swh__origin_heads') }}
),

directory_files as (
    select * from {{ ref('stg_swh__directory_files') }}
),

checked as (
    select * from {{ ref('int_raw_files_checked') }}
),

origins as (
    select
        source,
        count(*) as origins,
        count(snapshot_id) as origins_with_full_visit,
        count(revision_id) as origins_with_branch,
        count(root_directory_id) as origins_with_root_directory,
        count(distinct root_directory_id) as root_directories
    from heads
    group by source
),

walked as (
    select
        source,
        sum(case when problem is null then 1 else 0 end) as files_per_root,
        sum(case when problem = 'dangling_directory_entry' then 1 else 0 end) as dangling_directory_entries,
        sum(case when problem = 'directory_cycle' then 1 else 0 end) as directory_cycles,
        max(depth) as max_depth
    from directory_files
    group by source
),

staged as (
    select
        source,
        count(*) as origin_files,
        sum(case when staging_rule = 'missing_blob' then 1 else 0 end) as missing_blobs,
        sum(case when staging_rule is null then 1 else 0 end) as files_passed_staging
    from checked
    where source in (select source from heads)
    group by source
)

select
    origins.source,
    origins.origins,
    origins.origins_with_full_visit,
    origins.origins_with_branch,
    origins.origins_with_root_directory,
    origins.root_directories,
    coalesce(walked.files_per_root, 0) as files_per_root,
    coalesce(staged.origin_files, 0) as origin_files,
    coalesce(staged.files_passed_staging, 0) as files_passed_staging,
    coalesce(staged.missing_blobs, 0) as missing_blobs,
    coalesce(walked.dangling_directory_entries, 0) as dangling_directory_entries,
    coalesce(walked.directory_cycles, 0) as directory_cycles,
    walked.max_depth
from origins
left join walked
    on origins.source = walked.source
left join staged
    on origins.source = staged.source
order by origins.source
