{{ config(materialized='view') }}
-- The redacted files without those that contain a benchmark solution (int_decontamination_matches
-- with is_contaminated); those are dropped into fct_drop_ledger with stage decontamination.
select files.*
from {{ ref('int_files_redacted') }} as files
anti join (
    select doc_id from {{ ref('int_decontamination_matches') }}
    where is_contaminated
) as contaminated
    on files.doc_id = contaminated.doc_id
