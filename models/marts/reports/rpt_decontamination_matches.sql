-- Every file that shares an n-gram with a benchmark solution, with the evidence and the verdict,
-- strongest first: the rows to review. Dropped files are verdict long_run, distinctive_share or
-- distinctive_code_share;
-- kept_common_ngrams are files that would have been dropped had common code counted as evidence;
-- kept_below_share share too little of the solution.
select
    matches.benchmark,
    matches.task_id,
    matches.solution_id,
    matches.verdict,
    matches.is_contaminated,
    files.repo,
    files.path,
    matches.doc_id,
    matches.distinctive_share,
    matches.n_matched_distinctive_ngrams,
    matches.n_distinctive_ngrams,
    matches.distinctive_code_share,
    matches.n_matched_distinctive_solution_ngrams,
    matches.n_distinctive_solution_ngrams,
    matches.n_matched_ngrams,
    matches.n_searched_ngrams,
    matches.longest_run_tokens,
    matches.first_matched_ngram,
    matches.first_matched_token
from {{ ref('int_decontamination_matches') }} as matches
inner join {{ ref('int_files_near_deduped') }} as files
    on matches.doc_id = files.doc_id
order by
    matches.benchmark asc,
    matches.task_id asc,
    matches.solution_id asc,
    matches.is_contaminated desc,
    matches.distinctive_share desc,
    matches.longest_run_tokens desc,
    matches.doc_id asc
