{{ config(materialized='view') }}
-- All sources in one contract: every raw row that passed staging checks. A view over
-- int_raw_files_checked, which stores the content once.
select
    doc_id,
    source,
    repo,
    path,
    language,
    licenses,
    content,
    n_bytes,
    content_hash,
    source_tier
from {{ ref('int_raw_files_checked') }}
where staging_rule is null
