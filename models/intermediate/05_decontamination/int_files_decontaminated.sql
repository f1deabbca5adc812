{{ config(materialized='view') }}
-- The redacted files without those that contain a benchmark solution (int_decontamination_matches
-- with is_contaminated); those are dropped into fct_drop_ledger with stage decontamination.
with

contaminated as (
    select doc_id from {{ ref('int_decontamination_matches') }}
    where is_contaminated
)

select files.*
from {{ ref('int_files_redacted') }} as files
anti join contaminated
    on files.doc_id = contaminated.doc_id
