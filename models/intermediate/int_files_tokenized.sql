-- Token ids of every curated file, encoded once (winnow_tokenize Arrow UDF: a whole vector per
-- call, the tokenizer loaded once per process). Mixing counts these tokens, and every copy that
-- FIM leaves unchanged reuses these ids. Special-token strings in a file are ordinary text; no EOS
-- is added here (packing adds it between documents).
-- Progress in dbt's log (macros/progress.sql): rows done of total and rows/s.
{{ config(
    pre_hook="{{ progress_start('winnow_tokenize', ref('fct_curated_files')) }}",
    post_hook="{{ progress_finish('winnow_tokenize') }}",
) }}

with

files as (
    select doc_id, source, content from {{ ref('fct_curated_files') }}
),

tokenizer as (
    select tokenizer_path, tokenizer_sha256, engine from {{ ref('int_tokenizer_prepared') }}
),

tokenized as (
    select
        files.doc_id,
        files.source,
        winnow_tokenize(files.content, tokenizer.tokenizer_path, tokenizer.tokenizer_sha256, tokenizer.engine) as tokens
    from files
    cross join tokenizer
)

select
    doc_id,
    source,
    tokens.n_tokens as n_tokens,
    tokens.input_ids as input_ids
from tokenized
