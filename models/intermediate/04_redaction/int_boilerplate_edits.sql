-- One row per boilerplate block removed from a file (int_boilerplate_blocks with is_boilerplate):
-- where it was (first line, lines), its size and how many documents hold it. A file left with
-- fewer than min_file_chars characters (the quality stage's too_small threshold) is dropped
-- whole (is_document_dropped) and goes to fct_drop_ledger as boilerplate_only.
with

unnested as (
    select
        doc_id,
        {{ unnest_list('comment_blocks') }} as block
    from {{ ref('int_comment_blocks_cache') }}
),

occurrences as (
    select
        doc_id,
        block.first_line,
        block.n_lines,
        block.n_bytes,
        block.n_chars,
        block.n_words,
        block.block_hash
    from unnested
),

boilerplate as (
    select
        block_hash,
        n_documents,
        excerpt
    from {{ ref('int_boilerplate_blocks') }}
    where is_boilerplate
),

removed as (
    select
        occurrences.doc_id,
        occurrences.block_hash,
        occurrences.first_line,
        occurrences.n_lines,
        occurrences.n_bytes,
        occurrences.n_chars,
        boilerplate.n_documents as block_n_documents,
        boilerplate.excerpt
    from occurrences
    inner join boilerplate
        on occurrences.block_hash = boilerplate.block_hash
),

sized as (
    -- Characters left: each removed line takes its newline with it; a file made only of removed
    -- lines has none left.
    select
        removed.*,
        greatest(signals.n_chars - sum(removed.n_chars) over (partition by removed.doc_id), 0) as remaining_chars
    from removed
    inner join {{ ref('int_file_signals_cache') }} as signals
        on removed.doc_id = signals.doc_id
)

select
    *,
    remaining_chars < {{ var('min_file_chars') }} as is_document_dropped
from sized
