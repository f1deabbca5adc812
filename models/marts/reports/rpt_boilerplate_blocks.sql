{{ config(materialized='view') }}
-- The boilerplate blocks removed, most widespread first: how many documents and repositories hold
-- each, how many occurrences were removed and their bytes, and a redacted excerpt to review.
with

edits as (
    select
        block_hash,
        count(*) as occurrences_removed,
        count(distinct doc_id) filter (where is_document_dropped) as documents_dropped,
        sum(n_bytes) as bytes_removed,
        sum(n_lines) as lines_removed
    from {{ ref('int_boilerplate_edits') }}
    group by block_hash
)

select
    blocks.block_hash,
    blocks.n_documents,
    blocks.n_repositories,
    blocks.n_lines,
    blocks.n_words,
    edits.occurrences_removed,
    edits.documents_dropped,
    edits.bytes_removed,
    edits.lines_removed,
    blocks.example_doc_id,
    blocks.excerpt
from {{ ref('int_boilerplate_blocks') }} as blocks
inner join edits
    on blocks.block_hash = edits.block_hash
order by blocks.n_documents desc, edits.bytes_removed desc, blocks.block_hash asc
