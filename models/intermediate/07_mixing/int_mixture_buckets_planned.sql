-- The plan of every mixture row per score bucket (one bucket 'all' for a row without buckets): a
-- bucket repeats its documents `repeats` times per pass of the source, so its epochs are the row's
-- target_epochs (passes, int_mixture_sources_planned) x repeats, realised as whole copies of every
-- document plus a fractional copy. Its target share is the row's, split by repeats x tokens. A
-- bucket planned for more than mixture_epochs_limit epochs stops the build here.
{#- The message that stops the build, an SQL string expression over a planned bucket. -#}
{% set epochs_limit_error %}
    'seeds/mixture_score_buckets.csv: mixture ''' || mixture || ''' plans ' || round(planned_epochs, 1)
    || ' epochs of score bucket ' || score_bucket || ' of source ''' || source || ''' ('
    || repeats || ' repeats per pass), more than the limit of {{ mixture_epochs_limit() }} epochs. '
    || 'Lower its repeats or the source''s share in seeds/mixtures.csv.'
{% endset %}
with

plan_rows as (
    select * from {{ ref('int_mixture_sources_planned') }}
),

drawn as (
    {{ mixture_documents_drawn('plan_rows') }}
),

bucket_tokens as (
    select
        mixture,
        source,
        documents,
        score_bucket,
        count(*) as bucket_files,
        sum(n_tokens) as bucket_tokens
    from drawn
    group by mixture, source, documents, score_bucket
),

buckets as (
    select
        buckets.mixture,
        buckets.source,
        buckets.documents,
        buckets.score_bucket,
        buckets.min_score,
        buckets.max_score,
        cast(buckets.repeats as double) as repeats,
        coalesce(bucket_tokens.bucket_files, 0) as bucket_files,
        coalesce(bucket_tokens.bucket_tokens, 0) as bucket_tokens
    from ({{ score_bucket_rows() }}) as buckets
    left join bucket_tokens using (mixture, source, documents, score_bucket)
),

planned as (
    select
        plan_rows.mixture,
        plan_rows.source,
        plan_rows.documents,
        buckets.score_bucket,
        buckets.min_score,
        buckets.max_score,
        buckets.repeats,
        buckets.bucket_files,
        buckets.bucket_tokens,
        plan_rows.mixture_tokens,
        -- A bucket 'all' (repeats 1, every document: a factor of exactly 1) takes the row's share
        -- and epochs unchanged.
        coalesce(
            plan_rows.target_share * (buckets.repeats * buckets.bucket_tokens / nullif(plan_rows.pass_tokens, 0)),
            0
        ) as target_share,
        round(plan_rows.target_epochs * buckets.repeats, 9) as planned_epochs
    from plan_rows
    inner join buckets using (mixture, source, documents)
),

bounded as (
    select
        {{ star_except(['planned_epochs']) }},
        case
            when planned_epochs > {{ mixture_epochs_limit() }}
                then {{ sql_error(epochs_limit_error) }}
            else planned_epochs
        end as target_epochs
    from planned
)

select
    mixture,
    source,
    documents,
    score_bucket,
    min_score,
    max_score,
    repeats,
    bucket_files,
    bucket_tokens,
    target_share,
    target_share * mixture_tokens as target_tokens,
    target_epochs,
    cast(floor(target_epochs) as integer) as full_copies,
    (target_epochs - floor(target_epochs)) * bucket_tokens as fractional_copy_tokens,
    target_epochs > {{ var('mixture_max_epochs') }} as exceeds_epoch_cap
from bounded
