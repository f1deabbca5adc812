-- No repository has files in both splits: counted from the windows' documents, not from
-- fct_repo_splits (which holds one row per repository by construction), so a window packed into
-- the wrong split or a document packed twice shows here. Returns each such repository.
with

packed_documents as (
    select distinct
        mixture,
        split,
        {{ unnest_list('document_positions') }} as position
    from {{ ref('fct_packed_sequences') }}
),

held_files as (
    -- Every curated file a document holds (a repository document holds several).
    select
        mixture,
        position,
        {{ unnest_list('file_doc_ids') }} as doc_id
    from {{ ref('fct_training_documents') }}
),

packed_repositories as (
    select
        coalesce(files.repo, files.doc_id) as repo,
        packed_documents.split
    from packed_documents
    inner join held_files as held
        on
            packed_documents.mixture = held.mixture
            and packed_documents.position = held.position
    inner join {{ ref('fct_curated_files') }} as files
        on held.doc_id = files.doc_id
)

select
    repo,
    {{ sorted_distinct_list('split') }} as splits
from packed_repositories
group by repo
having count(distinct split) > 1
