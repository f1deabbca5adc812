-- One row per repository of the curated corpus and the split its files go to, so no repository is
-- in both: validation when stable_uniform(seed, 'split', repo) < var validation_fraction (default
-- 0.03, the validation share of Megatron-LM's --split 969,30,1), else train. A coin per repository
-- rather than a quota over them: a repository keeps its split when other repositories come or go,
-- so a later corpus never moves an earlier validation repository into training. A file without a
-- repository is a repository of its own (its doc_id). The split holds for every mixture.
-- Neither split is left empty by the coins when there are two or more repositories: with
-- validation_fraction above 0 the repository of the lowest draw is validation even if its coin
-- said train, and the repository of the highest draw is train even if its coin said validation
-- (ties broken by repo). Only those two can change with the corpus. A single repository trains:
-- a repository is never in both splits, and training data is what the shards are for
-- (warn_validation_split_is_empty says so).
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
),

ranked as (
    select
        *,
        count(*) over () as n_repos,
        row_number() over (order by split_draw, repo) as rank_from_lowest,
        row_number() over (order by split_draw desc, repo desc) as rank_from_highest
    from drawn
)

select
    repo,
    case
        when n_repos < 2 then 'train'
        when {{ var('validation_fraction') }} > 0 and rank_from_lowest = 1 then 'validation'
        when rank_from_highest = 1 then 'train'
        when split_draw < {{ var('validation_fraction') }} then 'validation'
        else 'train'
    end as split,
    split_draw,
    files,
    bytes
from ranked
