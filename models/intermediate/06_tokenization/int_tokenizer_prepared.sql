-- int_tokenizer_prepared on Spark (the DuckDB form is int_tokenizer_prepared.py): the same
-- step, python_udfs.steps.tokenizer, run by the winnow_prepare_tokenizer table function over the
-- samples in one partition in sample order. Recomputed every build (no reuse of the previous row).
{{ config(materialized='table', enabled=target.type == 'spark') }}
{%- set knobs = {
    'tokenizer_path': project_path(var('tokenizer_path')),
    'output_dir': project_path(var('output_dir')),
    'tokenizer_vocab_size': var('tokenizer_vocab_size'),
    'tokenizer_engine': var('tokenizer_engine'),
    'eos_token': var('eos_token'),
    'pad_token': var('pad_token'),
    'fim_prefix_token': var('fim_prefix_token'),
    'fim_middle_token': var('fim_middle_token'),
    'fim_suffix_token': var('fim_suffix_token'),
    'repository_document_format': var('repository_document_format'),
} %}
with

samples as (
    select
        purpose,
        sample_rank,
        content
    from {{ ref('int_tokenizer_samples') }}
),

-- A row without text: the function runs once even when the samples are empty (an empty corpus
-- still gets its tokenizer of bytes and special tokens, as on DuckDB).
samples_and_marker as (
    select
        purpose,
        sample_rank,
        content
    from samples
    union all
    select
        cast(null as string) as purpose,
        cast(null as bigint) as sample_rank,
        cast(null as string) as content
)

select *
from winnow_prepare_tokenizer(
    table(samples_and_marker) with single partition order by (purpose, sample_rank),
    {{ sql_string(tojson(knobs)) }}
)
