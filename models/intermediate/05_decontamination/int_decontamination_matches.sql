-- Every (file, benchmark solution) pair that shares an n-gram, with the evidence and the verdict.
-- A file is contaminated by a solution when it holds one long run of the solution's tokens
-- (var decontamination_long_run_tokens: the solution pasted, as BigCode's exact-substring
-- decontamination finds it) or a share of at least var decontamination_min_solution_share of the
-- solution's distinctive n-grams. An n-gram is not distinctive, not evidence, when files of at
-- least var decontamination_common_ngram_repositories repositories hold it without being copies
-- of the solution (their raw share and run below both thresholds): a loop idiom found across the
-- corpus says nothing about where a file came from. Files kept only because of that rule are
-- verdict 'kept_common_ngrams', so rpt_decontamination_matches can show them for review.
{% set min_share = var('decontamination_min_solution_share') %}
{% set long_run = var('decontamination_long_run_tokens') | int(0) %}
with

files as (
    select
        doc_id,
        coalesce(repo, url, doc_id) as repository
    from {{ ref('int_files_near_deduped') }}
),

index_sizes as (
    select
        benchmark,
        task_id,
        solution_id,
        count(distinct ngram_hash) as n_searched_ngrams
    from {{ ref('int_benchmark_ngrams') }}
    where is_searched
    group by all
),

solution_matches as (
    select
        files.doc_id,
        files.repository,
        unnest(scans.solution_matches, max_depth := 2)
    from {{ ref('int_decontamination_scans_cache') }} as scans
    inner join files
        on scans.doc_id = files.doc_id
    where len(scans.solution_matches) > 0
),

raw_shares as (
    select
        solution_matches.*,
        index_sizes.n_searched_ngrams,
        len(solution_matches.matched_ngram_hashes) as n_matched_ngrams,
        len(solution_matches.matched_ngram_hashes) / index_sizes.n_searched_ngrams as raw_share,
        (
            solution_matches.longest_run_tokens >= {{ long_run }}
            or len(solution_matches.matched_ngram_hashes) / index_sizes.n_searched_ngrams >= {{ min_share }}
        ) as is_copy
    from solution_matches
    inner join index_sizes
        on
            solution_matches.benchmark = index_sizes.benchmark
            and solution_matches.task_id = index_sizes.task_id
            and solution_matches.solution_id = index_sizes.solution_id
),

matched_ngrams as (
    select
        doc_id,
        repository,
        benchmark,
        task_id,
        solution_id,
        is_copy,
        unnest(matched_ngram_hashes) as ngram_hash
    from raw_shares
),

common_ngrams as (
    -- The solution's n-grams that files of many repositories hold outside copies of it.
    select
        benchmark,
        task_id,
        solution_id,
        ngram_hash
    from matched_ngrams
    where not is_copy
    group by all
    having count(distinct repository) >= {{ var('decontamination_common_ngram_repositories') }}
),

common_counts as (
    select
        benchmark,
        task_id,
        solution_id,
        count(*) as n_common_ngrams
    from common_ngrams
    group by all
),

matched_common_counts as (
    select
        matched_ngrams.doc_id,
        matched_ngrams.benchmark,
        matched_ngrams.task_id,
        matched_ngrams.solution_id,
        count(*) as n_matched_common_ngrams
    from matched_ngrams
    semi join common_ngrams
        on
            matched_ngrams.benchmark = common_ngrams.benchmark
            and matched_ngrams.task_id = common_ngrams.task_id
            and matched_ngrams.solution_id = common_ngrams.solution_id
            and matched_ngrams.ngram_hash = common_ngrams.ngram_hash
    group by all
),

shares as (
    select
        raw_shares.*,
        raw_shares.n_searched_ngrams - coalesce(common_counts.n_common_ngrams, 0) as n_distinctive_ngrams,
        raw_shares.n_matched_ngrams
        - coalesce(matched_common_counts.n_matched_common_ngrams, 0) as n_matched_distinctive_ngrams
    from raw_shares
    left join common_counts
        on
            raw_shares.benchmark = common_counts.benchmark
            and raw_shares.task_id = common_counts.task_id
            and raw_shares.solution_id = common_counts.solution_id
    left join matched_common_counts
        on
            raw_shares.doc_id = matched_common_counts.doc_id
            and raw_shares.benchmark = matched_common_counts.benchmark
            and raw_shares.task_id = matched_common_counts.task_id
            and raw_shares.solution_id = matched_common_counts.solution_id
)

select
    doc_id,
    benchmark,
    task_id,
    solution_id,
    n_searched_ngrams,
    n_matched_ngrams,
    n_distinctive_ngrams,
    n_matched_distinctive_ngrams,
    coalesce(n_matched_distinctive_ngrams / nullif(n_distinctive_ngrams, 0), 0) as distinctive_share,
    longest_run_tokens,
    first_matched_ngram,
    first_matched_token,
    case
        when longest_run_tokens >= {{ long_run }} then 'long_run'
        when coalesce(n_matched_distinctive_ngrams / nullif(n_distinctive_ngrams, 0), 0) >= {{ min_share }}
            then 'distinctive_share'
        when raw_share >= {{ min_share }} then 'kept_common_ngrams'
        else 'kept_below_share'
    end as verdict,
    verdict in ('long_run', 'distinctive_share') as is_contaminated
from shares
