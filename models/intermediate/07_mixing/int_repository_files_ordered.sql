-- Every curated Python file's place in its repository's documents: the repository's files in
-- dependency order (imported files first; var repository_document_order) and split at file
-- boundaries into documents of at most var repository_document_max_tokens, estimated from bytes
-- (var repository_document_bytes_per_token: token ids are not computed for documents). One
-- winnow_repository_layout call per (source, repo) over lists of paths and import names; the
-- kernel's docstring says how imports resolve and how cycles are broken. Imports resolve against
-- every raw Python path of the repository (curated or not), so that importing a dropped module
-- does not make its package's __init__ a dependency.
with

files as (
    select
        doc_id,
        source,
        repo,
        path,
        imports,
        -- The bytes the file adds to a document: its path header, its text and its trailer.
        {{ byte_length(repository_file_header('path')) }} + n_bytes + 1 as piece_bytes
    from {{ ref('int_repository_file_imports') }}
),

raw_paths as (
    select
        source,
        repo,
        {{ sorted_distinct_list_agg('path') }} as all_paths
    from {{ ref('int_raw_files_checked') }}
    where language = 'python'
    group by source, repo
),

repositories as (
    select
        source,
        repo,
        {{ ordered_list_agg('doc_id', ['path', 'doc_id']) }} as doc_ids,
        {{ ordered_list_agg('path', ['path', 'doc_id']) }} as paths,
        {{ ordered_list_agg('imports', ['path', 'doc_id']) }} as imports,
        {{ ordered_list_agg('piece_bytes', ['path', 'doc_id']) }} as piece_bytes
    from files
    group by source, repo
),

laid_out as (
    select
        repositories.source,
        repositories.repo,
        repositories.doc_ids,
        winnow_repository_layout(
            repositories.repo,
            repositories.paths,
            repositories.imports,
            repositories.piece_bytes,
            {{ byte_length(repository_document_header('repositories.repo')) }},
            coalesce(raw_paths.all_paths, cast({{ list_of([]) }} as {{ type_string_list() }})),
            {{ var('seed') }},
            {{ sql_string(var('repository_document_order')) }},
            cast(floor(
                {{ var('repository_document_max_tokens') }} * {{ var('repository_document_bytes_per_token') }}
            ) as bigint)
        ) as layout
    from repositories
    left join raw_paths
        on repositories.source = raw_paths.source and repositories.repo = raw_paths.repo
),

placed as (
    select
        source,
        repo,
        {{ unnest_lists_in_step([('doc_ids', 'doc_id'), ('layout', 'place')]) }}
    from laid_out
)

select
    placed.doc_id,
    placed.source,
    placed.repo,
    files.path,
    placed.place.document,
    placed.place.position,
    files.piece_bytes
from placed
inner join files
    on placed.doc_id = files.doc_id
