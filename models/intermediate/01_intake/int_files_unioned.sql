{{ config(materialized='view') }}
-- All sources in one contract: every raw row that passed staging checks. A view: the metadata
-- comes from int_raw_files_checked and the text straight from the staging views (the source
-- Parquet), so no table holds raw text that redaction has not seen.
with

checked as (
    select * from {{ ref('int_raw_files_checked') }}
    where staging_rule is null
),

staged as (
    {{ staged_corpus_files() }}
)

select
    checked.doc_id,
    checked.source,
    checked.repo,
    checked.path,
    checked.language,
    checked.kind,
    checked.url,
    checked.edu_score,
    checked.edu_int_score,
    checked.licenses,
    staged.content,
    checked.n_bytes,
    checked.content_hash,
    checked.source_tier
from checked
inner join staged
    on
        checked.source = staged.source
        and checked.source_file = staged.source_file
        and checked.source_row = staged.source_row
