-- One row per repository of the curated corpus and the split its files go to, so no repository is
-- in both: validation when stable_uniform(seed, 'split', repo) < var validation_fraction (default
-- 0.03, the validation share of Megatron-LM's --split 969,30,1), else train. A coin per repository
-- rather than a quota over them: a repository keeps its split when other repositories come or go,
-- so a later corpus never moves an earlier validation repository into training. A file without a
-- repository is a repository of its own (its doc_id). The split holds for every mixture.
-- With validation_fraction above 0 and two or more repositories, validation also takes the
-- repositories of the lowest draws until it holds one window (seq_len tokens, EOS included), so
-- that it packs into at least one window whatever its coins said; the repository of the highest
-- draw always trains (ties broken by repo). Only those can change with the corpus. A single
-- repository trains: a repository is never in both splits, and training data is what the shards
-- are for (warn_validation_split_is_empty says so).
with

files as (
    select
        curated.doc_id,
        coalesce(curated.repo, curated.doc_id) as repo,
        curated.n_bytes
    from {{ ref('fct_curated_files') }} as curated
),

tokens as (
    select
        doc_id,
        n_tokens
    from {{ ref('int_files_tokenized') }}
),

repos as (
    select
        files.repo,
        count(*) as files,
        sum(files.n_bytes) as bytes,
        -- Each document is followed by EOS when packed.
        sum(tokens.n_tokens + 1) as tokens
    from files
    inner join tokens
        on files.doc_id = tokens.doc_id
    group by files.repo
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
        row_number() over (order by split_draw desc, repo desc) as rank_from_highest,
        coalesce(sum(tokens) over (
            order by split_draw, repo rows between unbounded preceding and 1 preceding
        ), 0) as tokens_of_lower_draws
    from drawn
)

select
    repo,
    case
        when n_repos < 2 then 'train'
        when {{ var('validation_fraction') }} > 0 and rank_from_lowest = 1 then 'validation'
        when rank_from_highest = 1 then 'train'
        when split_draw < {{ var('validation_fraction') }} then 'validation'
        when {{ var('validation_fraction') }} > 0 and tokens_of_lower_draws < {{ var('seq_len') }} then 'validation'
        else 'train'
    end as split,
    split_draw,
    files,
    bytes,
    tokens
from ranked
