-- Per mixture and kind (code, text, docs): the tokens the mixture realised and their share, next
-- to the share its plan targets (each source's target split over kinds by its curated tokens), so
-- a code + text recipe (e.g. 80% code and docs, 20% web text) reads in one table.
with

plan as (
    select
        mixture,
        source,
        target_share
    from {{ ref('int_mixture_sources_planned') }}
),

source_kind_tokens as (
    -- How a source's tokens split over kinds (a winnow source can hold code and docs).
    select
        curated.source,
        curated.kind,
        sum(tokenized.n_tokens) as tokens
    from {{ ref('int_files_tokenized') }} as tokenized
    inner join {{ ref('fct_curated_files') }} as curated
        on tokenized.doc_id = curated.doc_id
    group by all
),

kind_fractions as (
    select
        source,
        kind,
        tokens / sum(tokens) over (partition by source) as fraction
    from source_kind_tokens
),

targets as (
    select
        plan.mixture,
        kind_fractions.kind,
        sum(plan.target_share * kind_fractions.fraction) as target_share
    from plan
    inner join kind_fractions
        on plan.source = kind_fractions.source
    group by all
),

realised as (
    select
        documents.mixture,
        curated.kind,
        count(distinct documents.doc_id) as files,
        count(*) as copies,
        sum(documents.n_tokens) as realised_tokens
    from {{ ref('fct_training_documents') }} as documents
    inner join {{ ref('fct_curated_files') }} as curated
        on documents.doc_id = curated.doc_id
    group by all
)

select
    realised.mixture,
    realised.kind,
    realised.files,
    realised.copies,
    realised.realised_tokens,
    realised.realised_tokens / sum(realised.realised_tokens) over (partition by realised.mixture) as realised_share,
    targets.target_share
from realised
left join targets
    on
        realised.mixture = targets.mixture
        and realised.kind = targets.kind
order by realised.mixture, realised.kind
