{{ cache_config(unique_key=['doc_id', 'content_hash'], progress_udf='winnow_tokenize', input='int_files_curated',
                 fingerprint_inputs=["select tokenizer_sha256 from {{ ref('int_tokenizer_prepared') }}"]) }}
-- The token ids of every curated file, encoded once per file and tokenizer and kept between
-- builds (see macros/incremental_cache.sql): winnow_tokenize, a whole vector per call, the
-- tokenizer loaded once per process. Special-token strings in a file are ordinary text; no EOS is
-- added here (packing adds it between documents). Keyed by the curated text's hash too: boilerplate
-- removal depends on the whole corpus, so a file's text can change without its doc_id. Holds the
-- current curated files only.
with

files as (
    select
        doc_id,
        content_hash,
        content
    from {{ ref('int_files_curated') }}
),

uncached as (
    select * from files
    where {{ not_cached('files') }}
),

tokenizer as (
    select
        tokenizer_path,
        tokenizer_sha256,
        engine
    from {{ ref('int_tokenizer_prepared') }}
),

tokenized as (
    select
        uncached.doc_id,
        uncached.content_hash,
        winnow_tokenize(uncached.content, tokenizer.tokenizer_path, tokenizer.tokenizer_sha256, tokenizer.engine)
            as tokens
    from uncached
    cross join tokenizer
)

select
    doc_id,
    content_hash,
    {{ cache_fingerprint() }} as fingerprint,
    tokens.n_tokens,
    tokens.input_ids
from tokenized
