-- Every edit is recorded: for each file that reached redaction, its original size less the text
-- redaction was given equals the bytes of its rows in int_boilerplate_edits (0 when it has none).
-- Returns the files where the text lost something the edit table does not hold, or the reverse.
with

recorded as (
    select
        doc_id,
        sum(n_bytes) as n_bytes
    from {{ ref('int_boilerplate_edits') }}
    group by doc_id
)

select
    redactions.doc_id,
    checked.n_bytes - redactions.n_bytes_before_redaction as bytes_missing,
    coalesce(recorded.n_bytes, 0) as bytes_recorded
from {{ ref('int_pii_redactions_cache') }} as redactions
inner join {{ ref('int_raw_files_checked') }} as checked
    on redactions.doc_id = checked.doc_id
left join recorded
    on redactions.doc_id = recorded.doc_id
where checked.n_bytes - redactions.n_bytes_before_redaction != coalesce(recorded.n_bytes, 0)
