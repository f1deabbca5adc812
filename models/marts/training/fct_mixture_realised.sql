-- Per mixture, source, documents (its files, or its repository documents) and score bucket (one
-- bucket 'all' without seeds/mixture_score_buckets.csv rows), with the kinds of its documents
-- (code, text, docs, repo; rpt_mixture_kinds sums per kind): the target against what the mixture
-- realised, in tokens (FIM sentinels and the re-tokenised cuts included), epochs, files and
-- copies, and the FIM and SPM rates.
with

sources as (
    select * from {{ ref('int_mixture_sources_planned') }}
),

plan as (
    select
        buckets.*,
        sources.weight,
        sources.epochs,
        sources.temperature,
        sources.fim_rate,
        sources.fim_spm_rate,
        sources.source_files,
        sources.source_tokens
    from {{ ref('int_mixture_buckets_planned') }} as buckets
    inner join sources using (mixture, source, documents)
),

realised as (
    select
        mixture,
        source,
        documents,
        score_bucket,
        count(*) as copies,
        count(distinct doc_id) as files,
        sum(n_tokens) as realised_tokens,
        count(*) filter (where is_fim) as fim_copies,
        count(*) filter (where is_spm) as spm_copies
    from {{ ref('fct_training_documents') }}
    group by mixture, source, documents, score_bucket
),

unchanged_tokens as (
    -- Tokens of the copies before FIM: realised epochs count the source's text, not the sentinels.
    select
        mixture,
        source,
        documents,
        score_bucket,
        sum(n_tokens) as copy_tokens
    from {{ ref('fct_mixture') }}
    group by mixture, source, documents, score_bucket
),

source_kinds as (
    select
        source,
        documents,
        {{ sorted_distinct_string_agg('kind', "', '") }} as kinds
    from {{ ref('int_mixture_documents') }}
    group by source, documents
),

joined as (
    select
        plan.mixture,
        plan.source,
        plan.documents,
        plan.score_bucket,
        source_kinds.kinds,
        plan.weight,
        plan.epochs,
        plan.temperature,
        plan.source_files,
        plan.source_tokens,
        plan.min_score,
        plan.max_score,
        plan.repeats,
        plan.bucket_files,
        plan.bucket_tokens,
        plan.target_share,
        plan.target_tokens,
        plan.target_epochs,
        plan.exceeds_epoch_cap,
        plan.fim_rate,
        plan.fim_spm_rate,
        coalesce(realised.files, 0) as files,
        coalesce(realised.copies, 0) as copies,
        coalesce(realised.realised_tokens, 0) as realised_tokens,
        coalesce(unchanged_tokens.copy_tokens, 0) as copy_tokens,
        coalesce(realised.fim_copies, 0) as fim_copies,
        coalesce(realised.spm_copies, 0) as spm_copies
    from plan
    left join realised using (mixture, source, documents, score_bucket)
    left join unchanged_tokens using (mixture, source, documents, score_bucket)
    left join source_kinds using (source, documents)
)

select
    mixture,
    source,
    documents,
    score_bucket,
    kinds,
    weight,
    epochs,
    temperature,
    source_files,
    source_tokens,
    min_score,
    max_score,
    repeats,
    bucket_files,
    bucket_tokens,
    target_share,
    coalesce(realised_tokens / nullif(sum(realised_tokens) over (partition by mixture), 0), 0) as realised_share,
    100 * (coalesce(realised_tokens / nullif(sum(realised_tokens) over (partition by mixture), 0), 0) - target_share)
        as share_error_pp,
    target_tokens,
    realised_tokens,
    target_epochs,
    copy_tokens / nullif(bucket_tokens, 0) as realised_epochs,
    exceeds_epoch_cap,
    files,
    copies,
    fim_rate,
    fim_copies / nullif(copies, 0) as realised_fim_rate,
    fim_spm_rate,
    spm_copies / nullif(fim_copies, 0) as realised_spm_rate
from joined
