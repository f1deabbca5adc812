{{ cache_config(input='int_files_near_deduped', fingerprint_inputs=[
    "select coalesce({{ ordered_string_agg(stable_hash(['benchmark', 'task_id', 'solution_id', 'task_pos', 'ngram', 'literal_ngram']),"
    ~ " \"''\", ['benchmark', 'task_id', 'solution_id', 'task_pos']) }}, '')"
    ~ " from {{ ref('int_benchmark_ngrams') }} where is_searched"]) }}
-- depends_on: {{ ref('int_pii_redactions_cache') }}
-- (An order, not a data dependency: see meta.order_only_dependency in the YAML.)
-- Every near-deduplicated file scanned once per benchmark index and kept between builds (see
-- macros/incremental_cache.sql): the key of each n-gram of the file, in the same forms as
-- int_benchmark_ngrams, joined with the searched (not allow-listed) n-grams' keys, and the text of
-- the windows whose keys match compared with the benchmark's. One row per scanned file, with one
-- entry per benchmark solution it shares an n-gram with (usually none): the distinct n-grams
-- matched and the longest run of consecutive matches, that is, of positions that advance together
-- in the file and in the solution. How much of a solution that is, and whether its n-grams are
-- common code, int_decontamination_matches decides. Matching reads the original text, not the
-- redacted one (see the YAML for why); what it records is the benchmark's n-grams, never text of
-- the file. Holds the current input's files only.
{% set n = var('decontamination_ngram_size') | int(0) %}
with

scanned_files as {{ cte_not_materialized() }} (
    select
        doc_id,
        content
    from {{ ref('int_files_near_deduped') }} as files
    where {{ not_cached('files') }}
),

file_keys as (
    -- Keys, not text: the text of two n-grams at each of the corpus's millions of token
    -- positions, built by SQL windows, made this scan the longest step of the build
    -- (BENCHMARKS.md). The kernel tokenises each file (as decontamination_tokens) and hashes its
    -- tokens once.
    select
        doc_id,
        winnow_ngram_window_keys(
            content,
            (select {{ ordered_list_agg('name', ['name']) }} from {{ ref('python_reserved_names') }}),
            {{ n }}
        ) as keys
    from scanned_files
),

window_keys as (
    select
        doc_id,
        {{ unnest_lists_in_step([
            [list_positions('keys.literal'), 'pos'],
            ['keys.literal', 'ngram_key'],
            ['keys.blind', 'blind_ngram_key'],
        ]) }}
    from file_keys
),

searched as (
    select
        benchmark,
        task_id,
        solution_id,
        task_pos,
        matching,
        ngram,
        ngram_hash,
        literal_ngram,
        winnow_ngram_key(ngram) as ngram_key
    from {{ ref('int_benchmark_ngrams') }}
    where is_searched
),

window_forms as (
    -- One row per window and form: its key and which form it is.
    select
        doc_id,
        pos,
        {{ unnest_lists_in_step([
            [list_of(['ngram_key', 'blind_ngram_key']), 'ngram_key'],
            [list_of(["'literal'", "'blind'"]), 'matching'],
        ]) }}
    from window_keys
),

matching_keys as (
    -- The windows whose key a searched n-gram has, by a mark (the IN inside coalesce): as a join
    -- or a semi-join, DuckDB may hash the corpus's millions of windows rather than the
    -- benchmarks' thousands of n-grams (the estimate of an unnested list is no guide). One
    -- reference to the windows: Spark inlines CTEs, and each reference would run the kernel.
    select *
    from window_forms
    where coalesce(ngram_key in (select searched.ngram_key from searched), false)
),

candidates as (
    select
        matching_keys.doc_id,
        matching_keys.pos,
        searched.*
    from matching_keys
    inner join searched
        on
            matching_keys.ngram_key = searched.ngram_key
            and matching_keys.matching = searched.matching
),

candidate_files as (
    -- The few files with a candidate window, tokenised again in SQL for the text comparison.
    select
        doc_id,
        {{ decontamination_tokens('content') }} as tokens
    from scanned_files
    where doc_id in (select candidates.doc_id from candidates)
),

file_tokens as (
    {{ token_positions('candidate_files', ['doc_id'], 'tokens') }}
),

candidate_starts as (
    select distinct
        doc_id,
        pos
    from candidates
),

window_offsets as (
    select {{ unnest_list(list_range(n)) }} as k
),

candidate_positions as (
    select
        windows.doc_id,
        windows.pos as window_pos,
        windows.pos + offsets.k as pos
    from candidate_starts as windows
    cross join window_offsets as offsets
),

candidate_tokens as (
    -- The n tokens of each candidate window, with their is_kept and back from the whole file.
    select
        file_tokens.doc_id,
        positions.window_pos,
        file_tokens.pos,
        file_tokens.token,
        file_tokens.is_kept,
        file_tokens.back
    from candidate_positions as positions
    inner join file_tokens
        on
            positions.doc_id = file_tokens.doc_id
            and positions.pos = file_tokens.pos
),

candidate_windows as (
    {{ token_ngrams('candidate_tokens', ['doc_id', 'window_pos']) }}
),

matched as (
    -- The candidates whose n-gram text is the benchmark's: equal keys alone are not a match.
    select
        candidates.doc_id,
        candidates.pos,
        candidates.benchmark,
        candidates.task_id,
        candidates.solution_id,
        candidates.task_pos,
        candidates.matching,
        candidates.ngram,
        candidates.ngram_hash,
        candidates.literal_ngram
    from candidates
    inner join candidate_windows as windows
        on
            candidates.doc_id = windows.doc_id
            and candidates.pos = windows.pos
    where
        (candidates.matching = 'blind' and windows.blind_ngram = candidates.ngram)
        or (candidates.matching = 'literal' and windows.ngram = candidates.ngram)
),

diagonals as (
    -- Consecutive matches on one diagonal (file position minus solution position) form a run of
    -- (matches + n - 1) tokens that the file and the solution share in order.
    select
        *,
        pos - task_pos as diagonal,
        pos - row_number() over (
            partition by doc_id, benchmark, task_id, solution_id, pos - task_pos order by pos
        ) as island
    from matched
),

runs as (
    select
        doc_id,
        benchmark,
        task_id,
        solution_id,
        count(*) + {{ n - 1 }} as run_tokens
    from diagonals
    group by doc_id, benchmark, task_id, solution_id, diagonal, island
),

longest_runs as (
    select
        doc_id,
        benchmark,
        task_id,
        solution_id,
        max(run_tokens) as run_tokens
    from runs
    group by all
),

solutions_matched as (
    select
        matched.doc_id,
        matched.benchmark,
        matched.task_id,
        matched.solution_id,
        {{ sorted_distinct_list('matched.ngram_hash') }} as matched_ngram_hashes,
        {{ arg_min_of(
            'matched.literal_ngram', row_tuple(['matched.pos', 'matched.task_pos'])
        ) }} as first_matched_ngram,
        min(matched.pos) as first_matched_token
    from matched
    group by matched.doc_id, matched.benchmark, matched.task_id, matched.solution_id
),

solutions_scanned as (
    select
        solutions_matched.*,
        longest.run_tokens as longest_run_tokens
    from solutions_matched
    inner join longest_runs as longest
        on
            solutions_matched.doc_id = longest.doc_id
            and solutions_matched.benchmark = longest.benchmark
            and solutions_matched.task_id = longest.task_id
            and solutions_matched.solution_id = longest.solution_id
),

scanned as (
    select
        scanned_files.doc_id,
        {{ ordered_list_agg_where(
            struct_of([
                ['benchmark', 'solutions_scanned.benchmark'],
                ['task_id', 'solutions_scanned.task_id'],
                ['solution_id', 'solutions_scanned.solution_id'],
                ['matched_ngram_hashes', 'solutions_scanned.matched_ngram_hashes'],
                ['longest_run_tokens', 'solutions_scanned.longest_run_tokens'],
                ['first_matched_ngram', 'solutions_scanned.first_matched_ngram'],
                ['first_matched_token', 'solutions_scanned.first_matched_token'],
            ]),
            ['solutions_scanned.benchmark', 'solutions_scanned.task_id', 'solutions_scanned.solution_id'],
            'solutions_scanned.doc_id is not null'
        ) }} as solution_matches
    from (select doc_id from scanned_files) as scanned_files
    left join solutions_scanned
        on scanned_files.doc_id = solutions_scanned.doc_id
    group by scanned_files.doc_id
)

select
    doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    solution_matches
from scanned
