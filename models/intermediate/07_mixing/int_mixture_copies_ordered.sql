-- Every mixture as a list of document copies in a deterministic shuffled order. A plan row (mixture,
-- source, documents, score bucket) with target_epochs e (int_mixture_buckets_planned) gives floor(e)
-- whole copies of each document it draws (macro mixture_documents_drawn: files, or repository
-- documents, in their score bucket) plus a fractional copy: its documents in stable_hash(seed,
-- 'sample', doc_id, copy) order, taken while their tokens stay nearest to the fractional tokens
-- (at most one document off the target). The
-- order within a mixture is stable_hash(seed, 'order', doc_id, copy), ties broken by doc_id and copy.
with

plan_rows as (
    select * from {{ ref('int_mixture_sources_planned') }}
),

plan as (
    select
        mixture,
        source,
        documents,
        score_bucket,
        full_copies,
        fractional_copy_tokens
    from {{ ref('int_mixture_buckets_planned') }}
    where target_tokens > 0
),

files as (
    {{ mixture_documents_drawn('plan_rows') }}
),

whole_copy_numbers as (
    select
        plan.mixture,
        files.source,
        files.documents,
        files.score_bucket,
        files.doc_id,
        {{ unnest_list(list_range('plan.full_copies')) }} as copy,
        files.n_tokens
    from plan
    inner join files using (mixture, source, documents, score_bucket)
    where plan.full_copies > 0
),

whole_copies as (
    select
        mixture,
        source,
        documents,
        score_bucket,
        doc_id,
        cast(copy as integer) as copy,
        n_tokens
    from whole_copy_numbers
),

fractional_candidates as (
    select
        plan.mixture,
        files.source,
        files.documents,
        files.score_bucket,
        files.doc_id,
        plan.full_copies as copy,
        files.n_tokens,
        plan.fractional_copy_tokens,
        sum(files.n_tokens) over (
            partition by plan.mixture, files.source, files.documents, files.score_bucket
            order by {{ stable_hash([var('seed'), "'sample'", 'files.doc_id', 'plan.full_copies']) }}, files.doc_id
            rows between unbounded preceding and current row
        ) as cumulative_tokens
    from plan
    inner join files using (mixture, source, documents, score_bucket)
    where plan.fractional_copy_tokens > 0
),

fractional_copies as (
    -- A file is taken when the target lies beyond the middle of its tokens in the running sum.
    select
        mixture,
        source,
        documents,
        score_bucket,
        doc_id,
        copy,
        n_tokens
    from fractional_candidates
    where cumulative_tokens - n_tokens / 2.0 < fractional_copy_tokens
),

copies as (
    select * from whole_copies
    union all
    select * from fractional_copies
)

select
    mixture,
    row_number() over (
        partition by mixture
        order by {{ stable_hash([var('seed'), "'order'", 'doc_id', 'copy']) }}, doc_id, copy
    ) as position,
    source,
    documents,
    score_bucket,
    doc_id,
    copy,
    n_tokens
from copies
