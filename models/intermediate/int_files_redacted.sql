-- PII and secrets found and replaced: every near-deduplicated file through the winnow_redact_pii
-- Arrow UDF (python_udfs/pii.py), which returns the redacted text and the findings (kind,
-- detector, character offset and length, and a hash of the value: never the value). This is
-- the first table that stores text, so no raw secret is stored anywhere in the database.
-- n_bytes and content_hash describe the redacted text; the quality signals were measured before.
-- Progress in dbt's log (macros/progress.sql): rows done of total and rows/s.
{{ config(
    pre_hook="{{ progress_start('winnow_redact_pii', ref('int_files_near_deduped')) }}",
    post_hook="{{ progress_finish('winnow_redact_pii') }}",
) }}

with

files as (
    select * from {{ ref('int_files_near_deduped') }}
),

redacted as (
    select
        files.*,
        files.content_hash as original_content_hash,
        winnow_redact_pii(files.content, '{{ pii_policy_json() | replace("'", "''") }}') as redaction
    from files
)

select
    * exclude (redaction) replace (
        redaction.content as content,
        strlen(redaction.content) as n_bytes,
        sha256(redaction.content) as content_hash
    ),
    redaction.findings as pii_findings,
    len(redaction.findings) as n_pii_findings
from redacted
