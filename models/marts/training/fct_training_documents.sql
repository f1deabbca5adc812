-- The token ids of every document copy of every mixture, in mixture order: the FIM decisions of
-- int_mixture_copies_fim_decided; unchanged copies' ids from int_files_tokenized (files) or
-- int_repository_token_ids_cache (repository documents), FIM copies' ids from
-- int_fim_token_ids_cache or int_repository_fim_token_ids_cache. A text is tokenised once, and
-- nothing depends on batching or threads. Each copy names its repository (the split key) and the
-- curated files it holds (file_doc_ids: the file itself, or a repository document's files in order).
with

decided as (
    select * from {{ ref('int_mixture_copies_fim_decided') }}
),

documents as (
    select
        doc_id,
        repo,
        kind,
        file_doc_ids
    from {{ ref('int_mixture_documents') }}
),

token_ids as (
    select
        decided.*,
        tokenized.n_tokens,
        tokenized.input_ids
    from decided
    inner join {{ ref('int_files_tokenized') }} as tokenized
        on decided.doc_id = tokenized.doc_id
    where not decided.is_fim and decided.documents = 'files'
    union all
    select
        decided.*,
        fim_tokenized.n_tokens,
        fim_tokenized.input_ids
    from decided
    inner join {{ ref('int_fim_token_ids_cache') }} as fim_tokenized
        on
            decided.doc_id = fim_tokenized.doc_id
            and decided.copy = fim_tokenized.copy
            and decided.is_spm = fim_tokenized.is_spm
    where decided.is_fim and decided.documents = 'files'
    union all
    select
        decided.*,
        tokenized.n_tokens,
        tokenized.input_ids
    from decided
    inner join {{ ref('int_repository_token_ids_cache') }} as tokenized
        on decided.doc_id = tokenized.repo_doc_id
    where not decided.is_fim and decided.documents = 'repo'
    union all
    select
        decided.*,
        fim_tokenized.n_tokens,
        fim_tokenized.input_ids
    from decided
    inner join {{ ref('int_repository_fim_token_ids_cache') }} as fim_tokenized
        on
            decided.doc_id = fim_tokenized.doc_id
            and decided.copy = fim_tokenized.copy
            and decided.is_spm = fim_tokenized.is_spm
    where decided.is_fim and decided.documents = 'repo'
)

select
    token_ids.mixture,
    token_ids.position,
    token_ids.source,
    token_ids.documents,
    token_ids.score_bucket,
    token_ids.doc_id,
    token_ids.copy,
    token_ids.is_fim,
    token_ids.is_spm,
    documents.repo,
    documents.kind,
    documents.file_doc_ids,
    token_ids.n_tokens,
    token_ids.input_ids
from token_ids
inner join documents
    on token_ids.doc_id = documents.doc_id
