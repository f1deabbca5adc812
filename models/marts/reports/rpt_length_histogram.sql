-- File sizes in power-of-two byte buckets, before filtering (every staged file) and after
-- curation, per source and kind (code, text, docs): what the size and length rules took away.
with

phases as (
    select
        'before_filtering' as phase,
        source,
        kind,
        n_bytes
    from {{ ref('int_files_unioned') }}
    union all
    select
        'curated' as phase,
        source,
        kind,
        n_bytes
    from {{ ref('fct_curated_files') }}
),

bucketed as (
    select
        phase,
        source,
        kind,
        cast(floor(log2(n_bytes)) as integer) as bucket_log2,
        n_bytes
    from phases
)

select
    phase,
    source,
    kind,
    bucket_log2,
    cast(pow(2, bucket_log2) as bigint) as bucket_min_bytes,
    cast(pow(2, bucket_log2 + 1) as bigint) - 1 as bucket_max_bytes,
    count(*) as files,
    sum(n_bytes) as bytes
from bucketed
group by all
order by phase, source, kind, bucket_log2
