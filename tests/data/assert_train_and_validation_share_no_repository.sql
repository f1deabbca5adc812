-- No repository has files in both splits: counted from the windows' documents, not from
-- fct_repo_splits (which holds one row per repository by construction), so a window packed into
-- the wrong split or a document packed twice shows here. Returns each such repository.
with

packed_documents as (
    select distinct
        mixture,
        split,
        unnest(document_positions) as position
    from {{ ref('fct_packed_sequences') }}
),

packed_repositories as (
    select
        documents.repo,
        packed_documents.split
    from packed_documents
    inner join {{ ref('fct_training_documents') }} as documents
        on
            packed_documents.mixture = documents.mixture
            and packed_documents.position = documents.position
)

select
    repo,
    list(distinct split order by split) as splits
from packed_repositories
group by repo
having count(distinct split) > 1
