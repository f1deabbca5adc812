-- Per source: files that entered near dedup, files removed as near duplicates, and the share.
with

entered as (
    select files.source, count(*) as files_in
    from {{ ref('int_files_minhashed') }} as minhashed
    join {{ ref('int_files_unioned') }} as files
        on files.doc_id = minhashed.doc_id
    group by files.source
),

removed as (
    select source, count(*) as files_removed
    from {{ ref('fct_drop_ledger') }}
    where stage = 'near_dedup'
    group by source
)

select
    entered.source,
    entered.files_in,
    coalesce(removed.files_removed, 0) as files_removed,
    coalesce(removed.files_removed, 0) / entered.files_in as near_duplicate_share
from entered
left join removed
    on removed.source = entered.source
order by entered.source
