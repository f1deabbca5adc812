-- Which near-deduplicated files contain which benchmark tasks: one row per (file, benchmark,
-- task) with at least one matching n-gram, from int_decontamination_scans_cache (each file is
-- scanned there once per benchmark index).
with

files as (
    select doc_id from {{ ref('int_files_near_deduped') }}
),

scans as (
    select * from {{ ref('int_decontamination_scans_cache') }}
    where len(matches) > 0
),

matches as (
    select
        scans.doc_id,
        unnest(scans.matches) as match
    from scans
    semi join files
        on scans.doc_id = files.doc_id
)

select
    doc_id,
    match.benchmark,
    match.task_id,
    match.n_matched_ngrams,
    match.first_matched_ngram,
    match.first_matched_token
from matches
