-- Decontamination per benchmark and per task: n-grams in the index (and allow-listed), files that
-- share an n-gram with the task, files dropped as contaminated, and files kept only because the
-- n-grams they share are common code (rpt_decontamination_matches lists them). level 'benchmark'
-- rows total their tasks (task_id NULL); a file that matches several tasks counts once there.
with

index_sizes as (
    select
        benchmark,
        task_id,
        count(distinct ngram_hash) filter (where is_searched) as ngrams_searched,
        count(distinct ngram_hash) filter (where is_allow_listed) as ngrams_allow_listed,
        count(distinct ngram_hash) filter (where is_generic_shape and not is_allow_listed) as ngrams_generic_shape
    from {{ ref('int_benchmark_ngrams') }}
    group by benchmark, task_id
),

matches as (
    select
        doc_id,
        benchmark,
        task_id,
        bool_or(is_contaminated) as is_contaminated,
        bool_or(verdict = 'kept_common_ngrams') and not bool_or(is_contaminated) as is_kept_common,
        max(n_matched_ngrams) as n_matched_ngrams
    from {{ ref('int_decontamination_matches') }}
    group by doc_id, benchmark, task_id
),

per_task as (
    select
        'task' as level,
        index_sizes.benchmark,
        index_sizes.task_id,
        index_sizes.ngrams_searched,
        index_sizes.ngrams_allow_listed,
        index_sizes.ngrams_generic_shape,
        count(matches.doc_id) as files_matched,
        count(matches.doc_id) filter (where matches.is_contaminated) as files_dropped,
        count(matches.doc_id) filter (where matches.is_kept_common) as files_kept_common_ngrams,
        coalesce(sum(matches.n_matched_ngrams), 0) as matched_ngrams
    from index_sizes
    left join matches
        on
            index_sizes.benchmark = matches.benchmark
            and index_sizes.task_id = matches.task_id
    group by all
),

benchmark_files as (
    -- Files per benchmark, each once whatever the number of tasks it matches.
    select
        benchmark,
        count(distinct doc_id) as files_matched,
        count(distinct doc_id) filter (where is_contaminated) as files_dropped,
        count(distinct doc_id) filter (where is_kept_common) as files_kept_common_ngrams
    from matches
    group by benchmark
),

per_benchmark as (
    select
        'benchmark' as level,
        per_task.benchmark,
        cast(null as {{ type_text() }}) as task_id,
        sum(per_task.ngrams_searched) as ngrams_searched,
        sum(per_task.ngrams_allow_listed) as ngrams_allow_listed,
        sum(per_task.ngrams_generic_shape) as ngrams_generic_shape,
        coalesce(any_value(benchmark_files.files_matched), 0) as files_matched,
        coalesce(any_value(benchmark_files.files_dropped), 0) as files_dropped,
        coalesce(any_value(benchmark_files.files_kept_common_ngrams), 0) as files_kept_common_ngrams,
        sum(per_task.matched_ngrams) as matched_ngrams
    from per_task
    left join benchmark_files
        on per_task.benchmark = benchmark_files.benchmark
    group by per_task.benchmark
)

select * from per_benchmark
union all
select * from per_task
order by benchmark, level, task_id
