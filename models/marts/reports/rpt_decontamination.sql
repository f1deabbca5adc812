-- Decontamination per benchmark and per task: n-grams in the index (and allow-listed), files
-- that contain the task, and matching n-grams. level 'benchmark' rows total their tasks
-- (task_id NULL); a file that matches several tasks counts once there.
with

index_sizes as (
    select
        benchmark,
        task_id,
        count(*) filter (where not is_allow_listed) as ngrams_searched,
        count(*) filter (where is_allow_listed) as ngrams_allow_listed
    from {{ ref('int_benchmark_ngrams') }}
    group by benchmark, task_id
),

matches as (
    select * from {{ ref('int_decontamination_matches') }}
),

per_task as (
    select
        'task' as level,
        index_sizes.benchmark,
        index_sizes.task_id,
        index_sizes.ngrams_searched,
        index_sizes.ngrams_allow_listed,
        count(matches.doc_id) as files_matched,
        coalesce(sum(matches.n_matched_ngrams), 0) as matched_ngrams
    from index_sizes
    left join matches
        on
            index_sizes.benchmark = matches.benchmark
            and index_sizes.task_id = matches.task_id
    group by all
),

per_benchmark as (
    select
        'benchmark' as level,
        per_task.benchmark,
        cast(null as varchar) as task_id,
        sum(per_task.ngrams_searched) as ngrams_searched,
        sum(per_task.ngrams_allow_listed) as ngrams_allow_listed,
        (
            select count(distinct doc_id) from matches
            where matches.benchmark = per_task.benchmark
        ) as files_matched,
        sum(per_task.matched_ngrams) as matched_ngrams
    from per_task
    group by per_task.benchmark
)

select * from per_benchmark
union all
select * from per_task
order by benchmark, level, task_id
