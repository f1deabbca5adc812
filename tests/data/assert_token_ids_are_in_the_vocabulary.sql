-- Every token id of the training documents and the packed windows is an id of the tokenizer the
-- build used (0 <= id < its vocabulary size, from int_tokenizer_prepared): an id outside it
-- would index past the model's embedding table.
with

tokenizer as (
    select vocab_size from {{ ref('int_tokenizer_prepared') }}
),

document_ranges as (
    select
        'fct_training_documents' as model,
        mixture,
        min({{ list_min('input_ids') }}) as lowest_id,
        max({{ list_max('input_ids') }}) as highest_id
    from {{ ref('fct_training_documents') }}
    group by mixture
),

window_ranges as (
    select
        'fct_packed_sequences' as model,
        mixture,
        min({{ list_min('input_ids') }}) as lowest_id,
        max({{ list_max('input_ids') }}) as highest_id
    from {{ ref('fct_packed_sequences') }}
    group by mixture
)

select
    ranges.*,
    tokenizer.vocab_size
from (
    select * from document_ranges
    union all
    select * from window_ranges
) as ranges
cross join tokenizer
where ranges.lowest_id < 0 or ranges.highest_id >= tokenizer.vocab_size
