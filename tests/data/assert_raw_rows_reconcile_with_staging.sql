-- Nothing is lost in staging: for every source, the rows in its Parquet footers equal the rows
-- that went on (int_files_unioned) plus the rows dropped in staging (fct_drop_ledger).
-- Returns the sources where that does not hold. A Software Heritage export's raw rows are what
-- its traversal reached:
-- depends_on: {{ ref('stg_swh__origin_heads') }}
-- depends_on: {{ ref('stg_swh__directory_files') }}
with

raw_rows as (
    {{ raw_row_counts() }}
),

unioned as (
    select
        source,
        count(*) as unioned_rows
    from {{ ref('int_files_unioned') }}
    group by source
),

staging_drops as (
    select
        source,
        count(*) as dropped_rows
    from {{ ref('fct_drop_ledger') }}
    where stage = 'staging'
    group by source
)

select
    raw_rows.source,
    raw_rows.raw_rows,
    coalesce(unioned.unioned_rows, 0) as unioned_rows,
    coalesce(staging_drops.dropped_rows, 0) as dropped_rows
from raw_rows
left join unioned using (source)
left join staging_drops using (source)
where raw_rows.raw_rows != coalesce(unioned.unioned_rows, 0) + coalesce(staging_drops.dropped_rows, 0)
