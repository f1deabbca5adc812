-- One row per repository of the curated corpus and the split its files go to, so no repository is
-- in both: validation when stable_uniform(seed, 'split', repo) < var validation_fraction (default
-- 0.03, the validation share of Megatron-LM's --split 969,30,1), else train. A coin per repository
-- rather than a quota over them: a repository keeps its split when other repositories come or go,
-- so a later corpus never moves an earlier validation repository into training. A file without a
-- repository is a repository of its own (its doc_id). The split holds for every mixture; a corpus
-- of few repositories may draw none for validation (warn_validation_split_is_empty says so).
with

files as (
    select
        coalesce(repo, doc_id) as repo,
        n_bytes
    from {{ ref('fct_curated_files') }}
),

repos as (
    select
        repo,
        count(*) as files,
        sum(n_bytes) as bytes
    from files
    group by repo
),

drawn as (
    select
        *,
        {{ stable_uniform([var('seed'), "'split'", 'repo']) }} as split_draw
    from repos
)

select
    repo,
    case when split_draw < {{ var('validation_fraction') }} then 'validation' else 'train' end as split,
    split_draw,
    files,
    bytes
from drawn
