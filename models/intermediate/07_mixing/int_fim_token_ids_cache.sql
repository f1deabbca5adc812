{{ cache_config(unique_key=['doc_id', 'copy', 'is_spm'], progress_udf='winnow_tokenize_fim',
                 input='int_mixture_copies_fim_decided', input_where="files.is_fim and files.documents = 'files'",
                 fingerprint_inputs=["select tokenizer_sha256 from {{ ref('int_tokenizer_prepared') }}",
                                     boilerplate_blocks_state()]) }}
-- depends_on: {{ ref('int_boilerplate_blocks') }}
-- The token ids of every FIM copy (doc_id, copy, PSM or SPM) of any mixture, encoded once per copy
-- and tokenizer and kept between builds (see macros/incremental_cache.sql). The two cut points are
-- uniform draws from stable_hash(seed, 'fim_cut_a' / 'fim_cut_b', doc_id, copy);
-- winnow_tokenize_fim encodes prefix, middle and suffix as ordinary text and inserts the
-- sentinels as special token ids (var fim_spm_variant: starcoder or paper SPM). Holds the copies of
-- the current mixtures only.
with

fim_copies as (
    select distinct
        doc_id,
        copy,
        is_spm
    from {{ ref('int_mixture_copies_fim_decided') }}
    where is_fim and documents = 'files'
),

uncached as (
    select * from fim_copies
    where {{ not_cached('fim_copies', keys=['doc_id', 'copy', 'is_spm']) }}
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
        uncached.copy,
        uncached.is_spm,
        winnow_tokenize_fim(
            files.content,
            {{ stable_uniform([var('seed'), "'fim_cut_a'", 'uncached.doc_id', 'uncached.copy']) }},
            {{ stable_uniform([var('seed'), "'fim_cut_b'", 'uncached.doc_id', 'uncached.copy']) }},
            uncached.is_spm,
            tokenizer.tokenizer_path,
            tokenizer.tokenizer_sha256,
            tokenizer.engine,
            {{ dbt.string_literal(var('fim_prefix_token')) }},
            {{ dbt.string_literal(var('fim_middle_token')) }},
            {{ dbt.string_literal(var('fim_suffix_token')) }},
            {{ dbt.string_literal(var('fim_spm_variant')) }}
        ) as tokens
    from uncached
    inner join {{ ref('int_files_curated') }} as files
        on uncached.doc_id = files.doc_id
    cross join tokenizer
)

select
    doc_id,
    copy,
    is_spm,
    {{ cache_fingerprint() }} as fingerprint,
    tokens.n_tokens,
    tokens.input_ids
from tokenized
