{{ config(materialized='view') }}
-- The near-deduplicated files with their boilerplate blocks removed (int_boilerplate_edits):
-- the removed lines go with their newlines, every other byte stays as it was (line endings
-- included). Files reduced below min_file_chars are left out (fct_drop_ledger: boilerplate_only).
-- A view: the edited text is stored once, redacted, in int_pii_redactions_cache. n_bytes
-- describes the edited text; content_hash stays the original's (the document's identity).
with

files as (
    select * from {{ ref('int_files_near_deduped') }}
),

edits as (
    select
        doc_id,
        flatten(list(range(first_line, first_line + n_lines) order by first_line)) as removed_lines,
        sum(n_bytes) as bytes_removed,
        {{ stable_hash(["string_agg(block_hash || ':' || first_line, ',' order by first_line)"]) }} as edit_key,
        bool_or(is_document_dropped) as is_document_dropped
    from {{ ref('int_boilerplate_edits') }}
    group by doc_id
),

split as (
    -- Only the edited files are split into lines.
    select
        files.*,
        edits.removed_lines,
        coalesce(edits.bytes_removed, 0) as boilerplate_bytes_removed,
        coalesce(edits.edit_key, '') as boilerplate_edit_key,
        case when edits.doc_id is not null then string_split(files.content, chr(10)) end as lines
    from files
    left join edits
        on files.doc_id = edits.doc_id
    where not coalesce(edits.is_document_dropped, false)
),

edited as (
    select
        * exclude (removed_lines, lines) replace (
            case
                when lines is null then content
                else array_to_string(
                    list_transform(
                        list_filter(
                            range(1, len(lines) + 1),
                            lambda line_number: not list_contains(removed_lines, line_number)
                        ),
                        lambda line_number: lines[line_number]
                    ),
                    chr(10)
                )
            end as content
        )
    from split
)

select * replace (strlen(content) as n_bytes)
from edited
