{{ config(materialized='view') }}
-- Every document a mixture can draw, with its token count: each curated file (documents 'files',
-- tokens from int_files_tokenized; repo_doc_id names the repository document that holds it, if
-- any; educational_score is the 0-5 score that mixture score buckets read) and each tokenised
-- repository document (documents 'repo', kind 'repo', doc_id its repo_doc_id, no score; only the
-- sources a mixture trains as repository documents are tokenised). A view: the token ids stay in
-- their caches.
with

curated as (
    select
        doc_id,
        source,
        repo,
        kind,
        -- Both scores rate educational value on the same 0-5 scale: Stack-Edu's for code,
        -- FineWeb-Edu's for web text (a source's own int_score column is clipped to it, so every
        -- score falls in a bucket; greatest and least skip NULLs, hence the case).
        case
            when coalesce(quality_int_score, edu_int_score) is not null
                then least(5, greatest(0, coalesce(quality_int_score, edu_int_score)))
        end as educational_score
    from {{ ref('int_files_curated') }}
),

held as (
    select
        repo_doc_id,
        {{ unnest_list('doc_ids') }} as doc_id
    from {{ ref('int_repository_documents') }}
),

files as (
    select
        curated.doc_id,
        curated.source,
        'files' as documents,
        coalesce(curated.repo, curated.doc_id) as repo,
        curated.kind,
        tokenized.n_tokens,
        held.repo_doc_id,
        curated.educational_score,
        {{ list_of(['curated.doc_id']) }} as file_doc_ids
    from curated
    inner join {{ ref('int_files_tokenized') }} as tokenized
        on curated.doc_id = tokenized.doc_id
    left join held
        on curated.doc_id = held.doc_id
),

repository_documents as (
    select
        documents.repo_doc_id as doc_id,
        documents.source,
        'repo' as documents,
        documents.repo,
        documents.kind,
        tokens.n_tokens,
        documents.repo_doc_id,
        cast(null as integer) as educational_score,
        documents.doc_ids as file_doc_ids
    from {{ ref('int_repository_documents') }} as documents
    inner join {{ ref('int_repository_token_ids_cache') }} as tokens
        on documents.repo_doc_id = tokens.repo_doc_id
)

select * from files
union all
select * from repository_documents
