-- Per mixture and kind (code, text, docs, repo): the tokens the mixture realised and their share,
-- next to the share its plan targets (each plan row's target split over kinds by the tokens of the
-- documents it draws, times their score buckets' repeats), so
-- a code + text recipe (e.g. 80% code and docs, 20% web text) reads in one table.
with

plan as (
    select
        mixture,
        source,
        documents,
        target_share
    from {{ ref('int_mixture_sources_planned') }}
),

drawn as (
    {{ mixture_documents_drawn('plan') }}
),

source_kind_tokens as (
    -- How a plan row's tokens split over kinds (a winnow source can hold code and docs).
    select
        drawn.mixture,
        drawn.source,
        drawn.documents,
        documents.kind,
        sum(drawn.repeats * drawn.n_tokens) as tokens
    from drawn
    inner join {{ ref('int_mixture_documents') }} as documents
        on drawn.doc_id = documents.doc_id
    group by drawn.mixture, drawn.source, drawn.documents, documents.kind
),

kind_fractions as (
    select
        mixture,
        source,
        documents,
        kind,
        -- Exact decimal tokens, divided as doubles (a decimal quotient would keep only the scale
        -- the engine's decimal rules leave it).
        cast(tokens as double)
        / nullif(cast(sum(tokens) over (partition by mixture, source, documents) as double), 0) as fraction
    from source_kind_tokens
),

targets as (
    select
        plan.mixture,
        kind_fractions.kind,
        sum(plan.target_share * kind_fractions.fraction) as target_share
    from plan
    inner join kind_fractions
        on
            plan.mixture = kind_fractions.mixture
            and plan.source = kind_fractions.source
            and plan.documents = kind_fractions.documents
    group by all
),

realised as (
    select
        mixture,
        kind,
        count(distinct doc_id) as files,
        count(*) as copies,
        sum(n_tokens) as realised_tokens
    from {{ ref('fct_training_documents') }}
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
