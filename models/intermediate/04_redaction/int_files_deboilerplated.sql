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

{% set file_columns = relation_columns(ref('int_files_near_deduped')) %}
edits as (
    select
        doc_id,
        flatten(
            {{ ordered_list_agg(integer_range('first_line', 'first_line + n_lines'), ['first_line']) }}
        ) as removed_lines,
        sum(n_bytes) as bytes_removed,
        {{ stable_hash([ordered_string_agg("block_hash || ':' || first_line", "','", ['first_line'])]) }} as edit_key,
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
        case when edits.doc_id is not null then {{ split_text('files.content', 'chr(10)') }} end as lines
    from files
    left join edits
        on files.doc_id = edits.doc_id
    where not coalesce(edits.is_document_dropped, false)
),

edited as (
    select
        {{ star_replace(
            file_columns + ['removed_lines', 'boilerplate_bytes_removed', 'boilerplate_edit_key', 'lines'],
            {'content': """case
                when lines is null then content
                else """ ~ list_join(
                    list_transform(
                        list_filter(
                            integer_range('1', list_size('lines') ~ ' + 1'),
                            'line_number',
                            'not ' ~ list_contains('removed_lines', 'line_number')
                        ),
                        'line_number',
                        list_element('lines', 'line_number')
                    ),
                    'chr(10)'
                ) ~ """
            end"""},
            exclude=['removed_lines', 'lines'],
        ) }}
    from split
)

select
    {{ star_replace(
        file_columns + ['boilerplate_bytes_removed', 'boilerplate_edit_key'],
        {'n_bytes': byte_length('content')},
    ) }}
from edited
