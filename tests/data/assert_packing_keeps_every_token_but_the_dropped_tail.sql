-- Packing loses nothing but concat's dropped tail, checked per document so that no error can
-- cancel another: every copy of fct_training_documents, with its EOS, is laid into windows of its
-- repository's split as contiguous pieces holding exactly its ids, except that concat with
-- packing_tail = drop drops the tokens past a split's last whole window (fewer than seq_len, all
-- at the end of the split's order). Returns each document, split or window that breaks this: a
-- document whose repository has no split, a piece that is not the document's ids at its offset,
-- a piece of no document, tokens lost anywhere else, and windows not of seq_len ids.
with

tokenizer as (
    select eos_token_id from {{ ref('int_tokenizer_prepared') }}
),

documents as (
    select
        documents.mixture,
        splits.split,
        documents.position,
        documents.doc_id,
        documents.n_tokens + 1 as tokens
    from {{ ref('fct_training_documents') }} as documents
    left join {{ ref('fct_repo_splits') }} as splits
        on documents.repo = splits.repo
),

windows as (
    select * from {{ ref('fct_packed_sequences') }}
),

pieces as (
    -- One row per piece of a document in a window: from its boundary to the next (or n_tokens).
    select
        mixture,
        split,
        window_index,
        input_ids,
        {{ unnest_lists_in_step([
            ['document_positions', 'position'],
            ['document_offsets', 'document_offset'],
            ['boundaries', 'piece_start'],
            [list_concat([list_without_first('boundaries'), list_of(['n_tokens'])]), 'piece_end'],
        ]) }}
    from windows
),

piece_hashes as (
    select
        mixture,
        split,
        window_index,
        position,
        document_offset,
        piece_end - piece_start as piece_tokens,
        {{ int_list_hash(list_slice('input_ids', 'piece_start + 1', 'piece_end')) }} as piece_hash
    from pieces
),

pieces_by_document as (
    -- One row per document with its pieces: joining every piece to its document would copy the
    -- document's ids once per piece into one vector (a file of 885k tokens in 432 windows asked
    -- for 2 GB at once).
    select
        mixture,
        position,
        {{ ordered_list_agg('window_index', ['window_index']) }} as window_indexes,
        {{ ordered_list_agg('document_offset', ['window_index']) }} as document_offsets,
        {{ ordered_list_agg('piece_tokens', ['window_index']) }} as piece_token_counts
    from piece_hashes
    group by mixture, position
),

document_pieces as (
    select
        pieces_by_document.mixture,
        pieces_by_document.position,
        documents.input_ids,
        {{ unnest_lists_in_step([
            ['pieces_by_document.window_indexes', 'window_index'],
            ['pieces_by_document.document_offsets', 'document_offset'],
            ['pieces_by_document.piece_token_counts', 'piece_tokens'],
        ]) }}
    from pieces_by_document
    inner join {{ ref('fct_training_documents') }} as documents
        on
            pieces_by_document.mixture = documents.mixture
            and pieces_by_document.position = documents.position
),

document_slices as (
    -- The same slice of the document (its ids and EOS) that each piece claims to hold: sliced
    -- first, with the EOS added to a slice that reaches it.
    {%- set ids_slice = list_slice(
        'document_pieces.input_ids',
        'document_pieces.document_offset + 1',
        'document_pieces.document_offset + document_pieces.piece_tokens',
    ) %}
    select
        document_pieces.mixture,
        document_pieces.position,
        document_pieces.window_index,
        {{ int_list_hash(
            'case when document_pieces.document_offset + document_pieces.piece_tokens > '
            ~ list_size('document_pieces.input_ids')
            ~ ' then ' ~ list_concat([ids_slice, list_of(['tokenizer.eos_token_id'])])
            ~ ' else ' ~ ids_slice ~ ' end'
        ) }} as document_hash
    from document_pieces
    cross join tokenizer
),

checked_pieces as (
    select
        piece_hashes.*,
        -- A piece whose document is missing has no slice: false.
        coalesce(document_slices.document_hash = piece_hashes.piece_hash, false) as holds_the_document_ids,
        -- Pieces in window order are contiguous: each starts where the previous one ended.
        piece_hashes.document_offset = coalesce(sum(piece_hashes.piece_tokens) over (
            partition by piece_hashes.mixture, piece_hashes.position
            order by piece_hashes.window_index
            rows between unbounded preceding and 1 preceding
        ), 0) as continues_the_previous_piece
    from piece_hashes
    left join document_slices
        on
            piece_hashes.mixture = document_slices.mixture
            and piece_hashes.position = document_slices.position
            and piece_hashes.window_index = document_slices.window_index
),

packed_documents as (
    select
        mixture,
        split,
        position,
        sum(piece_tokens) as packed_tokens
    from checked_pieces
    group by mixture, split, position
),

document_fates as (
    select
        documents.mixture,
        documents.split,
        documents.position,
        documents.doc_id,
        documents.tokens,
        coalesce(packed.packed_tokens, 0) as packed_tokens,
        -- Whether a later document of the same split still has tokens in a window.
        max(coalesce(packed.packed_tokens, 0)) over (
            partition by documents.mixture, documents.split
            order by documents.position
            rows between 1 following and unbounded following
        ) > 0 as is_followed_by_packed_tokens
    from documents
    left join packed_documents as packed
        on
            documents.mixture = packed.mixture
            and documents.split = packed.split
            and documents.position = packed.position
),

tail_allowed as (
    select
        {{ sql_string(var('packing_strategy')) }} = 'concat'
        and {{ sql_string(var('packing_tail')) }} = 'drop' as drops_the_tail
)

select
    mixture,
    split,
    position,
    doc_id,
    'its repository has no split' as problem
from document_fates
where split is null
union all
select
    mixture,
    split,
    position,
    doc_id,
    'more tokens packed than the document has' as problem
from document_fates
where packed_tokens > tokens
union all
select
    mixture,
    split,
    position,
    doc_id,
    'tokens lost before the end of the split' as problem
from document_fates, tail_allowed
where
    packed_tokens < tokens
    and (not tail_allowed.drops_the_tail or is_followed_by_packed_tokens)
union all
select
    mixture,
    split,
    null as position,
    null as doc_id,
    'a whole window or more of tokens dropped' as problem
from document_fates
group by mixture, split
having sum(tokens - packed_tokens) >= {{ var('seq_len') }}
union all
select
    mixture,
    split,
    position,
    null as doc_id,
    'window ' || window_index || ': piece is not the document''s ids at its offset' as problem
from checked_pieces
where not holds_the_document_ids or not continues_the_previous_piece
union all
select
    pieces.mixture,
    pieces.split,
    pieces.position,
    null as doc_id,
    'window ' || pieces.window_index || ': piece of no document of the split' as problem
from checked_pieces as pieces
left join documents
    on
        pieces.mixture = documents.mixture
        and pieces.split = documents.split
        and pieces.position = documents.position
where documents.position is null
union all
select
    mixture,
    split,
    null as position,
    null as doc_id,
    'window ' || window_index || ' does not hold seq_len ids' as problem
from windows
where {{ list_size('input_ids') }} != {{ var('seq_len') }} or n_tokens + n_padding != {{ var('seq_len') }}
