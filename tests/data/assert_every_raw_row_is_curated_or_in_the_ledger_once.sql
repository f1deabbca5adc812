-- Nothing lost, nothing counted twice: every raw row's doc_id is in exactly one of
-- fct_curated_files and fct_drop_ledger. Returns the doc_ids where that does not hold.
with

outcomes as (
    select doc_id from {{ ref('fct_curated_files') }}
    union all
    select doc_id from {{ ref('fct_drop_ledger') }}
),

counted as (
    select
        doc_id,
        count(*) as n_outcomes
    from outcomes
    group by doc_id
)

select
    checked.doc_id,
    coalesce(counted.n_outcomes, 0) as n_outcomes
from {{ ref('int_raw_files_checked') }} as checked
left join counted
    on checked.doc_id = counted.doc_id
where coalesce(counted.n_outcomes, 0) != 1
union all
select
    counted.doc_id,
    counted.n_outcomes
from counted
anti join {{ ref('int_raw_files_checked') }} as checked
    on counted.doc_id = checked.doc_id
