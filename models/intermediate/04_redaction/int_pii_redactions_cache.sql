{{ cache_config(progress_udf='winnow_redact_pii', input='int_files_near_deduped') }}
-- PII and secrets found and replaced in every near-deduplicated file, computed once per file and
-- policy and kept between builds (see macros/incremental_cache.sql): winnow_redact_pii
-- (python_udfs/kernels/pii/) returns the redacted text and the findings (kind, detector, character
-- offset and length, and a hash of the value: never the value). The first table that stores
-- text, so no raw secret is stored anywhere in the database. Holds the current input's files only:
-- what a takedown or a removed source removes leaves this table on the next build.
with

files as (
    select
        doc_id,
        content
    from {{ ref('int_files_near_deduped') }}
),

uncached as (
    select * from files
    where {{ not_cached('files') }}
),

redacted as (
    select
        doc_id,
        winnow_redact_pii(content, {{ sql_string(pii_policy_json()) }}) as redaction
    from uncached
)

select
    doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    redaction.content,
    redaction.findings as pii_findings
from redacted
