{{ cache_config(input='int_files_near_deduped', fingerprint_inputs=[
    "select coalesce(string_agg({{ stable_hash(['benchmark', 'task_id', 'ngram']) }}, '' order by benchmark, task_id, ngram), '')"
    ~ " from {{ ref('int_benchmark_ngrams') }} where not is_allow_listed"]) }}
-- depends_on: {{ ref('int_pii_redactions_cache') }}
-- (An order, not a data dependency: see meta.order_only_dependency in the YAML.)
-- Every near-deduplicated file scanned once per benchmark index and kept between builds (see
-- macros/incremental_cache.sql): each n-gram of the file (the same tokens and n as
-- int_benchmark_ngrams) semi-joined with the index, skipping allow-listed n-grams. One row per
-- scanned file, with the (benchmark, task) pairs it matched (usually none). Matching reads the
-- original text, not the redacted one (see the YAML for why); what it records is the benchmark's
-- n-gram, never text of the file. Holds the current input's files only.
with

scanned_files as not materialized (
    select
        doc_id,
        content
    from {{ ref('int_files_near_deduped') }} as files
    where {{ not_cached('files') }}
),

files as (
    select
        doc_id,
        {{ decontamination_tokens('content') }} as tokens
    from scanned_files
),

file_tokens as (
    select
        doc_id,
        unnest(tokens) as token,
        generate_subscripts(tokens, 1) as pos
    from files
),

windows as (
    {{ token_ngrams('file_tokens', ['doc_id']) }}
),

searched as (
    select
        benchmark,
        task_id,
        ngram
    from {{ ref('int_benchmark_ngrams') }}
    where not is_allow_listed
),

matched as (
    select
        windows.doc_id,
        searched.benchmark,
        searched.task_id,
        windows.ngram,
        windows.pos
    from windows
    inner join searched
        on windows.ngram = searched.ngram
),

tasks_matched as (
    select
        doc_id,
        benchmark,
        task_id,
        count(distinct ngram) as n_matched_ngrams,
        arg_min(ngram, pos) as first_matched_ngram,
        min(pos) as first_matched_token
    from matched
    group by doc_id, benchmark, task_id
),

scanned as (
    select
        scanned_files.doc_id,
        list(
            struct_pack(
                benchmark := tasks_matched.benchmark,
                task_id := tasks_matched.task_id,
                n_matched_ngrams := tasks_matched.n_matched_ngrams,
                first_matched_ngram := tasks_matched.first_matched_ngram,
                first_matched_token := tasks_matched.first_matched_token
            )
            order by tasks_matched.benchmark, tasks_matched.task_id
        ) filter (where tasks_matched.doc_id is not null) as matches
    from (select doc_id from scanned_files) as scanned_files
    left join tasks_matched
        on scanned_files.doc_id = tasks_matched.doc_id
    group by scanned_files.doc_id
)

select
    doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    matches
from scanned
