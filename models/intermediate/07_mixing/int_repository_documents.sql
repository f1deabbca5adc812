-- Repository-level training documents: each repository's curated Python files joined in the order
-- of int_repository_files_ordered, a header naming the repository, each file introduced by its
-- path (var repository_document_format; macros/repository_documents.sql). Every document lists its
-- files (doc_ids, paths) and where each file's text starts and how long it is (characters), so
-- the files are recovered exactly and provenance holds. Text is joined per document, which the
-- token budget bounds (a file over the budget is a document alone).
with

ordered as (
    select * from {{ ref('int_repository_files_ordered') }}
),

curated as (
    select
        doc_id,
        content
    from {{ ref('int_files_curated') }}
),

pieces as (
    select
        ordered.source,
        ordered.repo,
        ordered.document,
        ordered.position,
        ordered.doc_id,
        ordered.path,
        {{ repository_file_header('ordered.path') }} as file_header,
        curated.content,
        {{ repository_file_header('ordered.path') }}
        || curated.content
        || {{ repository_file_trailer('curated.content') }} as piece
    from ordered
    inner join curated
        on ordered.doc_id = curated.doc_id
),

placed as (
    select
        *,
        length({{ repository_document_header('repo') }})
        + coalesce(sum(length(piece)) over (
            partition by source, repo, document
            order by position
            rows between unbounded preceding and 1 preceding
        ), 0)
        + length(file_header) as content_start
    from pieces
),

documents as (
    select
        source,
        repo,
        document,
        {{ repository_document_header('repo') }} || {{ ordered_string_agg('piece', "''", ['position']) }} as content,
        {{ ordered_list_agg('doc_id', ['position']) }} as doc_ids,
        {{ ordered_list_agg('path', ['position']) }} as paths,
        {{ ordered_list_agg('content_start', ['position']) }} as content_starts,
        {{ ordered_list_agg('length(content)', ['position']) }} as content_lengths
    from placed
    group by source, repo, document
)

select
    {{ stable_hash(["'repository_document'", 'source', 'repo', 'document', 'doc_ids']) }} as repo_doc_id,
    source,
    repo,
    document,
    'repo' as kind,
    content,
    doc_ids,
    paths,
    content_starts,
    content_lengths,
    {{ list_size('doc_ids') }} as n_files,
    {{ byte_length('content') }} as n_bytes,
    cast(
        ceil({{ byte_length('content') }} / {{ var('repository_document_bytes_per_token') }}) as bigint
    ) as estimated_tokens
from documents
