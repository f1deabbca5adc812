-- Per source and kind: files that entered near dedup, files removed as near duplicates, and the share.
with

entered as (
    select
        files.source,
        files.kind,
        count(*) as files_in
    from {{ ref('int_files_minhashed') }} as minhashed
    inner join {{ ref('int_files_unioned') }} as files
        on minhashed.doc_id = files.doc_id
    group by files.source, files.kind
),

removed as (
    select
        ledger.source,
        checked.kind,
        count(*) as files_removed
    from {{ ref('fct_drop_ledger') }} as ledger
    inner join {{ ref('int_raw_files_checked') }} as checked
        on ledger.doc_id = checked.doc_id
    where ledger.stage = 'near_dedup'
    group by ledger.source, checked.kind
)

select
    entered.source,
    entered.kind,
    entered.files_in,
    coalesce(removed.files_removed, 0) as files_removed,
    coalesce(removed.files_removed, 0) / entered.files_in as near_duplicate_share
from entered
left join removed
    on
        entered.source = removed.source
        and entered.kind = removed.kind
order by entered.source, entered.kind
