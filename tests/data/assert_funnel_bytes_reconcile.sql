-- Bytes are accounted for at every stage: per source and kind, the bytes remaining before a stage
-- equal those remaining after it plus the files it removed plus what its edits took out
-- (boilerplate blocks, redaction), and the last stage leaves exactly the curated corpus's bytes.
-- Returns the stages where that does not hold.
with

funnel as (
    select
        *,
        lag(bytes_remaining) over (partition by source, kind order by stage_order) as bytes_before
    from {{ ref('fct_funnel') }}
),

unbalanced_stages as (
    select
        source,
        kind,
        stage,
        bytes_before,
        bytes_remaining + bytes_removed + bytes_edited as bytes_accounted
    from funnel
    where
        bytes_before is not null
        and bytes_before != bytes_remaining + bytes_removed + bytes_edited
),

last_stage as (
    select
        source,
        kind,
        bytes_remaining
    from (
        select
            *,
            max(stage_order) over () as last_stage_order
        from funnel
    ) as ordered
    where stage_order = last_stage_order
),

curated as (
    select
        source,
        kind,
        sum(n_bytes) as n_bytes
    from {{ ref('fct_curated_files') }}
    group by source, kind
)

select * from unbalanced_stages
union all
select
    last_stage.source,
    last_stage.kind,
    'curated' as stage,
    last_stage.bytes_remaining as bytes_before,
    coalesce(curated.n_bytes, 0) as bytes_accounted
from last_stage
left join curated
    on last_stage.source = curated.source and last_stage.kind = curated.kind
where last_stage.bytes_remaining != coalesce(curated.n_bytes, 0)
