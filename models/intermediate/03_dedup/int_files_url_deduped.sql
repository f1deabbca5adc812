{{ config(materialized='view') }}
-- The files that passed the filters, less the documents URL dedup drops (int_url_dup_clusters):
-- what exact dedup clusters. Files without a URL all go on.
select files.*
from {{ ref('int_files_filtered') }} as files
where
    files.filter_rule is null
    and not exists (
        select 1 from {{ ref('int_url_dup_clusters') }} as url_dups
        where url_dups.doc_id = files.doc_id and not url_dups.is_keeper
    )
