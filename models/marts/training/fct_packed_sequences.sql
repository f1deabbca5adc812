-- fct_packed_sequences on Spark (the DuckDB form is fct_packed_sequences.py): the same step,
-- python_udfs.steps.packing, run by the winnow_pack_windows table function once per mixture and
-- split over its documents in position order. Recomputed every build.
{{ config(materialized='table', enabled=target.type == 'spark') }}
{%- set knobs = {
    'seq_len': var('seq_len') | int,
    'strategy': var('packing_strategy'),
    'tail': var('packing_tail'),
    'block_tokens': var('packing_best_fit_block_tokens') | int,
} %}
with

documents as (
    select
        mixture,
        repo,
        position,
        input_ids
    from {{ ref('fct_training_documents') }}
),

splits as (
    select
        repo,
        split
    from {{ ref('fct_repo_splits') }}
),

tokenizer as (
    select
        eos_token_id as eos_id,
        coalesce(pad_token_id, eos_token_id) as pad_id
    from {{ ref('int_tokenizer_prepared') }}
),

-- Every document carries the tokenizer's ids: the function reads them from its first row.
split_documents as (
    select
        documents.mixture,
        splits.split,
        documents.position,
        documents.input_ids,
        tokenizer.eos_id,
        tokenizer.pad_id
    from documents
    inner join splits on documents.repo = splits.repo
    cross join tokenizer
)

select *
from winnow_pack_windows(
    table(split_documents) partition by (mixture, split) order by (position),
    {{ sql_string(tojson(knobs)) }}
)
