-- Per mixture and split: how the documents packed into windows of var seq_len tokens. Documents
-- come from fct_training_documents with their repository's split (fct_repo_splits); every document
-- counts its EOS. A document is cut when its tokens lie in more than one window, truncated when
-- some of its tokens are in no window (concat drops the incomplete last window with var
-- packing_tail = drop; best_fit never drops).
with

documents as (
    select
        documents.mixture,
        splits.split,
        documents.position,
        documents.n_tokens + 1 as tokens
    from {{ ref('fct_training_documents') }} as documents
    inner join {{ ref('fct_repo_splits') }} as splits
        on documents.repo = splits.repo
),

windows as (
    select
        mixture,
        split,
        n_tokens,
        n_padding,
        boundaries,
        document_positions
    from {{ ref('fct_packed_sequences') }}
),

window_totals as (
    select
        mixture,
        split,
        count(*) as windows,
        sum(n_tokens) as packed_tokens,
        sum(n_padding) as padding_tokens
    from windows
    group by mixture, split
),

pieces as (
    -- One row per piece of a document in a window; it runs to the next boundary or n_tokens.
    select
        mixture,
        split,
        {{ unnest_lists_in_step([
            ('document_positions', 'position'),
            ('boundaries', 'piece_start'),
            (list_concat([list_without_first('boundaries'), list_of(['n_tokens'])]), 'piece_end'),
        ]) }}
    from windows
),

packed_documents as (
    select
        mixture,
        split,
        position,
        count(*) as pieces,
        sum(piece_end - piece_start) as packed_tokens
    from pieces
    group by mixture, split, position
),

document_fates as (
    select
        documents.mixture,
        documents.split,
        documents.tokens,
        coalesce(packed.pieces, 0) as pieces,
        coalesce(packed.packed_tokens, 0) as packed_tokens
    from documents
    left join packed_documents as packed using (mixture, split, position)
),

document_totals as (
    select
        mixture,
        split,
        count(*) as documents,
        sum(tokens) as document_tokens,
        count(*) filter (where pieces > 1) as cut_documents,
        count(*) filter (where packed_tokens < tokens) as truncated_documents,
        sum(tokens - packed_tokens) as dropped_tokens
    from document_fates
    group by mixture, split
)

select
    document_totals.mixture,
    document_totals.split,
    {{ sql_string(var('packing_strategy')) }} as strategy,
    {{ var('seq_len') }} as seq_len,
    document_totals.documents,
    document_totals.document_tokens,
    coalesce(window_totals.windows, 0) as windows,
    coalesce(window_totals.packed_tokens, 0) as packed_tokens,
    coalesce(window_totals.padding_tokens, 0) as padding_tokens,
    coalesce(window_totals.padding_tokens / nullif(window_totals.windows * {{ var('seq_len') }}, 0), 0)
        as padding_fraction,
    document_totals.cut_documents,
    document_totals.truncated_documents,
    document_totals.dropped_tokens,
    document_totals.document_tokens / sum(document_totals.document_tokens) over (partition by document_totals.mixture)
        as token_share
from document_totals
left join window_totals using (mixture, split)
order by document_totals.mixture, document_totals.split
