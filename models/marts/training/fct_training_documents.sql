-- The token ids of every document copy of every mixture, in mixture order: the FIM decisions of
-- int_mixture_copies_fim_decided, FIM copies' ids from int_fim_token_ids_cache and unchanged
-- copies' ids from int_files_tokenized. A text is tokenised once, and nothing depends on batching
-- or threads.
with

decided as (
    select * from {{ ref('int_mixture_copies_fim_decided') }}
),

documents as (
    select
        decided.*,
        tokenized.n_tokens,
        tokenized.input_ids
    from decided
    inner join {{ ref('int_files_tokenized') }} as tokenized
        on decided.doc_id = tokenized.doc_id
    where not decided.is_fim
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
    where decided.is_fim
)

select
    mixture,
    position,
    source,
    doc_id,
    copy,
    is_fim,
    is_spm,
    n_tokens,
    input_ids
from documents
