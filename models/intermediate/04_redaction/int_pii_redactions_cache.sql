{{ cache_config(unique_key=['doc_id', 'boilerplate_edit_key'], progress_udf='winnow_redact_pii', input='int_files_deboilerplated') }}
-- PII and secrets found and replaced in every near-deduplicated file after boilerplate removal
-- (int_files_deboilerplated), computed once per file, boilerplate edit and policy and kept between
-- builds (see macros/incremental_cache.sql). The key holds boilerplate_edit_key: which blocks are
-- boilerplate depends on the whole corpus, so a file's text can change without its doc_id.
-- winnow_redact_pii (python_udfs/kernels/pii/) returns the redacted text and the findings (kind,
-- detector, character offset and length, and a hash of the value: never the value). The first
-- table that stores text, so no raw secret is stored anywhere in the database. Holds the current
-- input's files only: what a takedown or a removed source removes leaves this table on the next
-- build.
with

files as (
    select
        doc_id,
        boilerplate_edit_key,
        content
    from {{ ref('int_files_deboilerplated') }}
),

uncached as (
    select * from files
    where {{ not_cached('files') }}
),

redacted as (
    select
        doc_id,
        boilerplate_edit_key,
        {{ byte_length('content') }} as n_bytes_before_redaction,
        winnow_redact_pii(content, {{ sql_string(pii_policy_json()) }}) as redaction
    from uncached
)

select
    doc_id,
    boilerplate_edit_key,
    {{ cache_fingerprint() }} as fingerprint,
    n_bytes_before_redaction,
    redaction.content,
    redaction.findings as pii_findings
from redacted
