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
        {{ unnest_list('scans.solution_matches') }} as solution_match
    from {{ ref('int_decontamination_scans_cache') }} as scans
    inner join files
        on scans.doc_id = files.doc_id
    where {{ list_size('scans.solution_matches') }} > 0
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
        matched.*,
        index_ngrams.is_solution_ngram
    from (
        select
            doc_id,
            repository,
            benchmark,
            task_id,
            solution_id,
            {{ unnest_list('matched_ngram_hashes') }} as ngram_hash
        from solution_matches
    ) as matched
    inner join index_ngrams using (benchmark, task_id, solution_id, ngram_hash)
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

raw_evidence as (
    -- Each pair with its raw counts, and whether it is a copy of the solution before common
    -- n-grams are set aside: a copy's n-grams do not make an n-gram common.
    select
        *,
        n_matched_ngrams > n_matched_solution_ngrams as holds_prompt_overlap,
        (
            longest_run_tokens >= {{ long_run }}
            or (
                n_matched_ngrams > n_matched_solution_ngrams
                and n_matched_ngrams >= {{ min_share }} * n_searched_ngrams
            )
            or (
                n_searched_solution_ngrams >= {{ min_solution_ngrams }}
                and n_matched_solution_ngrams >= {{ min_code_share }} * n_searched_solution_ngrams
            )
        ) as is_raw_copy
    from solution_matches
    inner join raw_counts using (doc_id, benchmark, task_id, solution_id)
    inner join index_sizes using (benchmark, task_id, solution_id)
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
    semi join raw_evidence
        on
            matched_ngrams.doc_id = raw_evidence.doc_id
            and matched_ngrams.benchmark = raw_evidence.benchmark
            and matched_ngrams.task_id = raw_evidence.task_id
            and matched_ngrams.solution_id = raw_evidence.solution_id
            and not raw_evidence.is_raw_copy
    group by matched_ngrams.benchmark, matched_ngrams.task_id, matched_ngrams.solution_id, matched_ngrams.ngram_hash
    having count(distinct matched_ngrams.repository) >= {{ var('decontamination_common_ngram_repositories') }}
),

distinctive_sizes as (
    select
        index_sizes.benchmark,
        index_sizes.task_id,
        index_sizes.solution_id,
        index_sizes.n_searched_ngrams - count(common_ngrams.ngram_hash) as n_distinctive_ngrams,
        index_sizes.n_searched_solution_ngrams - count(common_ngrams.ngram_hash) filter (
            where common_ngrams.is_solution_ngram
        ) as n_distinctive_solution_ngrams
    from index_sizes
    left join common_ngrams using (benchmark, task_id, solution_id)
    group by
        index_sizes.benchmark,
        index_sizes.task_id,
        index_sizes.solution_id,
        index_sizes.n_searched_ngrams,
        index_sizes.n_searched_solution_ngrams
),

distinctive_counts as (
    select
        doc_id,
        benchmark,
        task_id,
        solution_id,
        count(*) as n_matched_distinctive_ngrams,
        count(*) filter (where is_solution_ngram) as n_matched_distinctive_solution_ngrams
    from matched_ngrams
    anti join common_ngrams using (benchmark, task_id, solution_id, ngram_hash)
    group by all
),

shares as (
    select
        raw_evidence.*,
        distinctive_sizes.n_distinctive_ngrams,
        distinctive_sizes.n_distinctive_solution_ngrams,
        coalesce(distinctive_counts.n_matched_distinctive_ngrams, 0) as n_matched_distinctive_ngrams,
        coalesce(
            distinctive_counts.n_matched_distinctive_solution_ngrams, 0
        ) as n_matched_distinctive_solution_ngrams
    from raw_evidence
    inner join distinctive_sizes using (benchmark, task_id, solution_id)
    left join distinctive_counts using (doc_id, benchmark, task_id, solution_id)
),

verdicts as (
    select
        *,
        coalesce(n_matched_distinctive_ngrams / nullif(n_distinctive_ngrams, 0), 0) as distinctive_share,
        case
            when n_distinctive_solution_ngrams >= {{ min_solution_ngrams }}
                then n_matched_distinctive_solution_ngrams / n_distinctive_solution_ngrams
        end as distinctive_code_share
    from shares
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
from verdicts
