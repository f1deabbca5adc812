{{ cache_config(unique_key=['repo_doc_id'], progress_udf='winnow_tokenize_segments', input='int_repository_documents',
                 fingerprint_inputs=["select tokenizer_sha256 from {{ ref('int_tokenizer_prepared') }}",
                                     boilerplate_blocks_state()],
                 input_where="{{ repository_document_source_condition('files.source') }}") }}
-- depends_on: {{ ref('int_boilerplate_blocks') }}
-- The token ids of every repository document of the sources a mixture trains as repository
-- documents (seeds/mixtures.csv rows of kind repo), encoded once per document and tokenizer and
-- kept between builds (see macros/incremental_cache.sql), as int_token_ids_cache does for files:
-- winnow_tokenize_segments over the document's segments (macros/repository_documents.sql), so the
-- format's markers (starcoder2's <repo_name> and <file_sep>) are special token ids and the files'
-- text, whatever it spells, is ordinary text. Their concatenation decodes to the document's content.
with

documents as (
    select
        repo_doc_id,
        repo,
        doc_ids,
        paths
    from {{ ref('int_repository_documents') }}
    where {{ repository_document_source_condition('source') }}
),

uncached as (
    select * from documents as files
    where {{ not_cached('files', keys=['repo_doc_id']) }}
),

segments as (
    {{ repository_document_segments('uncached') }}
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
        segments.repo_doc_id,
        winnow_tokenize_segments(
            segments.texts,
            segments.markers,
            cast(null as {{ type_list_of('boolean') }}),
            cast(null as {{ type_list_of('double') }}),
            cast(null as {{ type_list_of('double') }}),
            false,
            cast(null as double),
            cast(null as double),
            false,
            tokenizer.tokenizer_path,
            tokenizer.tokenizer_sha256,
            tokenizer.engine,
            {{ sql_string(var('fim_prefix_token')) }},
            {{ sql_string(var('fim_middle_token')) }},
            {{ sql_string(var('fim_suffix_token')) }},
            {{ sql_string(var('fim_spm_variant')) }}
        ) as tokens
    from segments
    cross join tokenizer
)

select
    repo_doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    tokens.n_tokens,
    tokens.input_ids
from tokenized
