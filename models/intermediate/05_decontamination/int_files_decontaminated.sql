{{ config(materialized='view') }}
-- The redacted files without those that contain a benchmark task (int_decontamination_matches);
-- those are dropped into fct_drop_ledger with stage decontamination.
select files.*
from {{ ref('int_files_redacted') }} as files
anti join {{ ref('int_decontamination_matches') }} as matches
    on files.doc_id = matches.doc_id
