{{ config(
    pre_hook="{{ progress_start('winnow_python_imports', ref('int_files_curated'),
                                where=\"kind = 'code' and language = 'python' and repo is not null and \"
                                      ~ repository_document_source_condition('source')) }}",
    post_hook="{{ progress_finish('winnow_python_imports') }}"
) }}
-- The imports of every curated Python file of the sources a mixture trains as repository documents
-- (seeds/mixtures.csv rows of kind repo; none by default, so nothing is parsed), read from its
-- syntax tree (python_udfs/kernels/repository_order.py): the first step of the repository
-- documents, per file so that the per-repository step holds names, never text. A file that does
-- not parse has no imports (parsed false) and still takes its place in its repository's documents.
with

python_files as (
    select
        doc_id,
        source,
        repo,
        path,
        n_bytes,
        content
    from {{ ref('int_files_curated') }}
    -- A file without a repository is a repository of its own (fct_repo_splits): it trains alone.
    where
        kind = 'code' and language = 'python' and repo is not null
        and {{ repository_document_source_condition('source') }}
),

read as (
    select
        doc_id,
        source,
        repo,
        path,
        n_bytes,
        winnow_python_imports(content, path) as imports
    from python_files
)

select
    doc_id,
    source,
    repo,
    path,
    n_bytes,
    imports,
    imports is not null as parsed
from read
