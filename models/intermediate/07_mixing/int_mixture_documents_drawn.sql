-- The documents each row of seeds/mixtures.csv draws from: a (mixture, source, documents) row of
-- kind repo draws the source's repository documents; a row of the source's files draws its files,
-- less those in a repository document when the same mixture also trains the source's repository
-- documents. So a file is trained either inside its repository document or alone, never both in one
-- mixture. The one place that rule lives: planning (tokens) and copies both read this.
with

mixture_rows as (
    {{ mixture_rows() }}
),

documents as (
    select
        doc_id,
        source,
        documents,
        n_tokens,
        repo_doc_id
    from {{ ref('int_mixture_documents') }}
),

trained_as_repository as (
    select distinct
        mixture,
        source
    from mixture_rows
    where documents = 'repo'
)

select
    mixture_rows.mixture,
    mixture_rows.source,
    mixture_rows.documents,
    documents.doc_id,
    documents.n_tokens
from mixture_rows
inner join documents
    on
        mixture_rows.source = documents.source
        and mixture_rows.documents = documents.documents
left join trained_as_repository
    on
        mixture_rows.mixture = trained_as_repository.mixture
        and mixture_rows.source = trained_as_repository.source
where not (
    mixture_rows.documents = 'files'
    and documents.repo_doc_id is not null
    and trained_as_repository.mixture is not null
)
