-- Every (file, benchmark solution) pair that shares an n-gram, with the evidence and the verdict.
-- A file is contaminated by a solution when it holds one long run of the solution's tokens (var
-- decontamination_long_run_tokens: the solution pasted, as BigCode's exact-substring
-- decontamination finds it), or a share of the solution's distinctive n-grams: at least var
-- decontamination_min_solution_share of all of them when the file holds the prompt's end before
-- the solution (an n-gram spanning the two), or at least var decontamination_min_code_share of
-- the solution's own n-grams when it has var decontamination_min_solution_ngrams of them or more
-- (code without its prompt is held to a higher share, as code alone is often idiom). An n-gram
-- is not distinctive,
-- not evidence, when files of at least var decontamination_common_ngram_repositories repositories
-- hold it without being copies of the solution by the same measures: a loop idiom found across
-- the corpus says nothing about where a file came from. Files kept only because of that rule are
-- verdict 'kept_common_ngrams', so rpt_decontamination_matches can show them for review.
{% set min_share = var('decontamination_min_solution_share') %}
{% set long_run = var('decontamination_long_run_tokens') | int(0) %}
{% set min_code_share = var('decontamination_min_code_share') %}
{% set min_solution_ngrams = var('decontamination_min_solution_ngrams') | int(0) %}
with

files as (
    select
        doc_id,
        coalesce(repo, url, doc_id) as repository
    from {{ ref('int_files_near_deduped') }}
),

index_ngrams as (
    select
        benchmark,
        task_id,
        solution_id,
        ngram_hash,
        bool_or(ngram_kind = 'solution') as is_solution_ngram
    from {{ ref('int_benchmark_ngrams') }}
    where is_searched
    group by all
),

index_sizes as (
    select
        benchmark,
        task_id,
        solution_id,
        count(*) as n_searched_ngrams,
        count(*) filter (where is_solution_ngram) as n_searched_solution_ngrams
    from index_ngrams
    group by all
),

scanned_matches as (
    select
        files.doc_id,
        files.repository,
        unnest(scans.solution_matches) as solution_match
    from {{ ref('int_decontamination_scans_cache') }} as scans
    inner join files
        on scans.doc_id = files.doc_id
    where len(scans.solution_matches) > 0
),

solution_matches as (
    select
        doc_id,
        repository,
        solution_match.benchmark,
        solution_match.task_id,
        solution_match.solution_id,
        solution_match.matched_ngram_hashes,
        solution_match.longest_run_tokens,
        solution_match.first_matched_ngram,
        solution_match.first_matched_token
    from scanned_matches
),

matched_ngrams as (
    select
        matched.doc_id,
        matched.repository,
        matched.benchmark,
        matched.task_id,
        matched.solution_id,
        matched.ngram_hash,
        index_ngrams.is_solution_ngram
    from (
        select
            doc_id,
            repository,
            benchmark,
            task_id,
            solution_id,
            unnest(matched_ngram_hashes) as ngram_hash
        from solution_matches
    ) as matched
    inner join index_ngrams
        on
            matched.benchmark = index_ngrams.benchmark
            and matched.task_id = index_ngrams.task_id
            and matched.solution_id = index_ngrams.solution_id
            and matched.ngram_hash = index_ngrams.ngram_hash
),

raw_counts as (
    select
        doc_id,
        benchmark,
        task_id,
        solution_id,
        count(*) as n_matched_ngrams,
        count(*) filter (where is_solution_ngram) as n_matched_solution_ngrams
    from matched_ngrams
    group by all
),

copies as (
    -- Files that are copies of the solution before common n-grams are set aside: their n-grams
    -- do not make an n-gram common.
    select
        solution_matches.doc_id,
        solution_matches.benchmark,
        solution_matches.task_id,
        solution_matches.solution_id
    from solution_matches
    inner join raw_counts
        on
            solution_matches.doc_id = raw_counts.doc_id
            and solution_matches.benchmark = raw_counts.benchmark
            and solution_matches.task_id = raw_counts.task_id
            and solution_matches.solution_id = raw_counts.solution_id
    inner join index_sizes
        on
            raw_counts.benchmark = index_sizes.benchmark
            and raw_counts.task_id = index_sizes.task_id
            and raw_counts.solution_id = index_sizes.solution_id
    where
        solution_matches.longest_run_tokens >= {{ long_run }}
        or (
            raw_counts.n_matched_ngrams > raw_counts.n_matched_solution_ngrams
            and raw_counts.n_matched_ngrams >= {{ min_share }} * index_sizes.n_searched_ngrams
        )
        or (
            index_sizes.n_searched_solution_ngrams >= {{ min_solution_ngrams }}
            and raw_counts.n_matched_solution_ngrams >= {{ min_code_share }} * index_sizes.n_searched_solution_ngrams
        )
),

common_ngrams as (
    -- The solution's n-grams that files of many repositories hold outside copies of it.
    select
        matched_ngrams.benchmark,
        matched_ngrams.task_id,
        matched_ngrams.solution_id,
        matched_ngrams.ngram_hash,
        any_value(matched_ngrams.is_solution_ngram) as is_solution_ngram
    from matched_ngrams
    anti join copies
        on
            matched_ngrams.doc_id = copies.doc_id
            and matched_ngrams.benchmark = copies.benchmark
            and matched_ngrams.task_id = copies.task_id
            and matched_ngrams.solution_id = copies.solution_id
    group by matched_ngrams.benchmark, matched_ngrams.task_id, matched_ngrams.solution_id, matched_ngrams.ngram_hash
    having count(distinct matched_ngrams.repository) >= {{ var('decontamination_common_ngram_repositories') }}
),

distinctive_sizes as (
    select
        index_sizes.benchmark,
        index_sizes.task_id,
        index_sizes.solution_id,
        index_sizes.n_searched_ngrams,
        index_sizes.n_searched_solution_ngrams,
        index_sizes.n_searched_ngrams - count(common_ngrams.ngram_hash) as n_distinctive_ngrams,
        index_sizes.n_searched_solution_ngrams - count(common_ngrams.ngram_hash) filter (
            where common_ngrams.is_solution_ngram
        ) as n_distinctive_solution_ngrams
    from index_sizes
    left join common_ngrams
        on
            index_sizes.benchmark = common_ngrams.benchmark
            and index_sizes.task_id = common_ngrams.task_id
            and index_sizes.solution_id = common_ngrams.solution_id
    group by
        index_sizes.benchmark,
        index_sizes.task_id,
        index_sizes.solution_id,
        index_sizes.n_searched_ngrams,
        index_sizes.n_searched_solution_ngrams
),

distinctive_counts as (
    select
        matched_ngrams.doc_id,
        matched_ngrams.benchmark,
        matched_ngrams.task_id,
        matched_ngrams.solution_id,
        count(*) as n_matched_distinctive_ngrams,
        count(*) filter (where matched_ngrams.is_solution_ngram) as n_matched_distinctive_solution_ngrams
    from matched_ngrams
    anti join common_ngrams
        on
            matched_ngrams.benchmark = common_ngrams.benchmark
            and matched_ngrams.task_id = common_ngrams.task_id
            and matched_ngrams.solution_id = common_ngrams.solution_id
            and matched_ngrams.ngram_hash = common_ngrams.ngram_hash
    group by all
),

shares as (
    select
        solution_matches.doc_id,
        solution_matches.benchmark,
        solution_matches.task_id,
        solution_matches.solution_id,
        sizes.n_searched_ngrams,
        raw_counts.n_matched_ngrams,
        sizes.n_distinctive_ngrams,
        coalesce(counts.n_matched_distinctive_ngrams, 0) as n_matched_distinctive_ngrams,
        sizes.n_distinctive_solution_ngrams,
        coalesce(counts.n_matched_distinctive_solution_ngrams, 0) as n_matched_distinctive_solution_ngrams,
        raw_counts.n_matched_ngrams > raw_counts.n_matched_solution_ngrams as holds_prompt_overlap,
        coalesce(counts.n_matched_distinctive_ngrams / nullif(sizes.n_distinctive_ngrams, 0), 0) as distinctive_share,
        case
            when sizes.n_distinctive_solution_ngrams >= {{ min_solution_ngrams }}
                then coalesce(counts.n_matched_distinctive_solution_ngrams, 0) / sizes.n_distinctive_solution_ngrams
        end as distinctive_code_share,
        solution_matches.longest_run_tokens,
        solution_matches.first_matched_ngram,
        solution_matches.first_matched_token,
        copies.doc_id is not null as is_raw_copy
    from solution_matches
    inner join raw_counts
        on
            solution_matches.doc_id = raw_counts.doc_id
            and solution_matches.benchmark = raw_counts.benchmark
            and solution_matches.task_id = raw_counts.task_id
            and solution_matches.solution_id = raw_counts.solution_id
    inner join distinctive_sizes as sizes
        on
            solution_matches.benchmark = sizes.benchmark
            and solution_matches.task_id = sizes.task_id
            and solution_matches.solution_id = sizes.solution_id
    left join distinctive_counts as counts
        on
            solution_matches.doc_id = counts.doc_id
            and solution_matches.benchmark = counts.benchmark
            and solution_matches.task_id = counts.task_id
            and solution_matches.solution_id = counts.solution_id
    left join copies
        on
            solution_matches.doc_id = copies.doc_id
            and solution_matches.benchmark = copies.benchmark
            and solution_matches.task_id = copies.task_id
            and solution_matches.solution_id = copies.solution_id
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
    n_distinctive_solution_ngrams,
    n_matched_distinctive_solution_ngrams,
    holds_prompt_overlap,
    distinctive_share,
    distinctive_code_share,
    longest_run_tokens,
    first_matched_ngram,
    first_matched_token,
    case
        when longest_run_tokens >= {{ long_run }} then 'long_run'
        when holds_prompt_overlap and distinctive_share >= {{ min_share }} then 'distinctive_share'
        when distinctive_code_share >= {{ min_code_share }} then 'distinctive_code_share'
        when is_raw_copy then 'kept_common_ngrams'
        else 'kept_below_share'
    end as verdict,
    verdict in ('long_run', 'distinctive_share', 'distinctive_code_share') as is_contaminated
from shares
