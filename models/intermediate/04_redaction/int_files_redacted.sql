{{ config(materialized='view') }}
-- The near-deduplicated files, boilerplate removed (int_files_deboilerplated), with PII and
-- secrets replaced, from int_pii_redactions_cache (redacted there once per file, edit and policy).
-- A view: the redacted text is stored once, in the cache. n_bytes and content_hash describe the
-- redacted text; the quality signals were measured before, on the original.
{% set file_columns = relation_columns(ref('int_files_deboilerplated')) %}
with

files as (
    -- Without the original text: it is read from the source Parquet only where needed.
    select {{ star_except(['content']) }} from {{ ref('int_files_deboilerplated') }}
),

redactions as (
    select * from {{ ref('int_pii_redactions_cache') }}
)

select
    {{ star_replace(
        file_columns | reject('equalto', 'content') | list,
        {'n_bytes': byte_length('redactions.content'), 'content_hash': sha256_hex('redactions.content')},
        'files',
    ) }},
    files.content_hash as original_content_hash,
    redactions.n_bytes_before_redaction,
    redactions.content,
    redactions.pii_findings,
    {{ list_size('redactions.pii_findings') }} as n_pii_findings
from files
inner join redactions
    on
        files.doc_id = redactions.doc_id
        and files.boilerplate_edit_key = redactions.boilerplate_edit_key
