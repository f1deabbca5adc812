-- One row per dropped raw row, across every stage: which stage and rule dropped it, the measured
-- value and the threshold it failed, and for duplicates the document that was kept instead.
-- Reconciled in every build: raw rows = curated rows + ledger rows.
with

staging_drops as (
    select
        doc_id,
        source,
        repo,
        path,
        'staging' as stage,
        staging_rule as rule,
        cast(staging_value as double) as value,
        cast(staging_threshold as double) as threshold,
        duplicate_of,
        source_file || ':' || source_row as detail
    from {{ ref('int_raw_files_checked') }}
    where staging_rule is not null
)

select * from staging_drops
