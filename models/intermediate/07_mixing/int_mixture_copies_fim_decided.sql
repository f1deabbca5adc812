-- Every document copy of every mixture with its FIM decision: a fim_rate share of the copies in
-- FIM form and a fim_spm_rate share of those in SPM rather than PSM order (per mixture; defaults
-- from vars fim_rate / fim_spm_rate, 0.5 and 0.5 as StarCoder and Megatron-LM). The choice is a
-- hash-ordered quota rather than a coin per copy: the FIM copies are the round(fim_rate x copies)
-- with the smallest stable_hash(seed, 'fim', doc_id, copy), the SPM ones likewise among them, so
-- each copy is FIM with probability fim_rate over the hash, and the realised rates equal the
-- targets to 1/copies (independent coins drift by sqrt(p(1-p)/n)). Nothing depends on batching
-- or threads.
with

copies as (
    select
        mixture.mixture,
        mixture.position,
        mixture.source,
        mixture.documents,
        mixture.score_bucket,
        mixture.doc_id,
        mixture.copy,
        plan.fim_rate,
        plan.fim_spm_rate
    from {{ ref('int_mixture_copies_ordered') }} as mixture
    inner join {{ ref('int_mixture_sources_planned') }} as plan using (mixture, source, documents)
),

fim_ranked as (
    select
        *,
        row_number() over (
            partition by mixture
            order by {{ stable_hash([var('seed'), "'fim'", 'doc_id', 'copy']) }}, doc_id, copy
        ) as fim_rank,
        count(*) over (partition by mixture) as mixture_copies
    from copies
),

fim_decided as (
    select
        {{ star_except(['fim_rank', 'mixture_copies']) }},
        fim_rank <= round(fim_rate * mixture_copies) as is_fim
    from fim_ranked
),

spm_ranked as (
    select
        *,
        row_number() over (
            partition by mixture, is_fim
            order by {{ stable_hash([var('seed'), "'spm'", 'doc_id', 'copy']) }}, doc_id, copy
        ) as spm_rank,
        count(*) over (partition by mixture, is_fim) as fim_copies
    from fim_decided
),

decided as (
    select
        {{ star_except(['spm_rank', 'fim_copies']) }},
        is_fim and spm_rank <= round(fim_spm_rate * fim_copies) as is_spm
    from spm_ranked
)

select
    mixture,
    position,
    source,
    documents,
    score_bucket,
    doc_id,
    copy,
    is_fim,
    is_spm
from decided
