-- Which near-deduplicated files contain which benchmark tasks: every n-gram of every file
-- (the same tokens and n as int_benchmark_ngrams) semi-joined with the index, skipping
-- allow-listed n-grams. One row per (file, benchmark, task) with at least one matching n-gram.
-- Matching reads the original text, not the redacted one (see the YAML for why); what it
-- records is the benchmark's n-gram, never text of the file.
with

files as (
    select
        doc_id,
        {{ decontamination_tokens('content') }} as tokens
    from {{ ref('int_files_near_deduped') }}
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
    select benchmark, task_id, ngram
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
    join searched
        on searched.ngram = windows.ngram
)

select
    doc_id,
    benchmark,
    task_id,
    count(distinct ngram) as n_matched_ngrams,
    arg_min(ngram, pos) as first_matched_ngram,
    min(pos) as first_matched_token
from matched
group by doc_id, benchmark, task_id
