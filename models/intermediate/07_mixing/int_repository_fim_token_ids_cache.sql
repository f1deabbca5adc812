{{ cache_config(unique_key=['doc_id', 'copy', 'is_spm'], progress_udf='winnow_tokenize_segments',
                 input='int_mixture_copies_fim_decided', input_where="files.is_fim and files.documents = 'repo'",
                 fingerprint_inputs=["select tokenizer_sha256 from {{ ref('int_tokenizer_prepared') }}",
                                     boilerplate_blocks_state()]) }}
-- depends_on: {{ ref('int_boilerplate_blocks') }}
-- The token ids of every FIM copy of a repository document (doc_id is its repo_doc_id; copy; PSM or
-- SPM) of any mixture, encoded once per copy and tokenizer (see macros/incremental_cache.sql), as
-- int_fim_token_ids_cache does for files. Var repository_document_fim chooses where FIM applies:
--   file (StarCoder2's repo-context file-level FIM): each file of the copy is FIM with probability
--     var fim_rate (stable_uniform(seed, 'fim_file', doc_id, copy, file)), cut at its own draws;
--   document (DeepSeek-Coder's document-level FIM): the files after the header are cut as one text.
-- The header (the repository's name) is never cut. Sentinels and markers are special token ids.
with

fim_copies as (
    select distinct
        doc_id,
        copy,
        is_spm
    from {{ ref('int_mixture_copies_fim_decided') }}
    where is_fim and documents = 'repo'
),

uncached as (
    select * from fim_copies
    where {{ not_cached('fim_copies', keys=['doc_id', 'copy', 'is_spm']) }}
),

documents as (
    select
        documents.repo_doc_id,
        documents.repo,
        documents.doc_ids,
        documents.paths
    from {{ ref('int_repository_documents') }} as documents
    where documents.repo_doc_id in (select uncached.doc_id from uncached)
),

segments as (
    {{ repository_document_segments('documents') }}
),

drawn as (
    -- Segment 0 is the header; file k is segment k.
    select
        uncached.doc_id,
        uncached.copy,
        uncached.is_spm,
        segments.texts,
        segments.markers,
        {{ list_transform(
            list_range(list_size('segments.texts')),
            'k',
            (var('repository_document_fim') == 'file') ~ ' and k > 0 and '
            ~ stable_uniform([var('seed'), "'fim_file'", 'uncached.doc_id', 'uncached.copy', 'k'])
            ~ ' < ' ~ var('fim_rate')
        ) }} as segment_fim,
        {{ list_transform(
            list_range(list_size('segments.texts')),
            'k',
            stable_uniform([var('seed'), "'fim_cut_a'", 'uncached.doc_id', 'uncached.copy', 'k'])
        ) }} as segment_cuts_a,
        {{ list_transform(
            list_range(list_size('segments.texts')),
            'k',
            stable_uniform([var('seed'), "'fim_cut_b'", 'uncached.doc_id', 'uncached.copy', 'k'])
        ) }} as segment_cuts_b,
        {{ stable_uniform([var('seed'), "'fim_cut_a'", 'uncached.doc_id', 'uncached.copy']) }} as document_cut_a,
        {{ stable_uniform([var('seed'), "'fim_cut_b'", 'uncached.doc_id', 'uncached.copy']) }} as document_cut_b
    from uncached
    inner join segments
        on uncached.doc_id = segments.repo_doc_id
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
        drawn.doc_id,
        drawn.copy,
        drawn.is_spm,
        winnow_tokenize_segments(
            drawn.texts,
            drawn.markers,
            drawn.segment_fim,
            drawn.segment_cuts_a,
            drawn.segment_cuts_b,
            {{ var('repository_document_fim') == 'document' }},
            drawn.document_cut_a,
            drawn.document_cut_b,
            drawn.is_spm,
            tokenizer.tokenizer_path,
            tokenizer.tokenizer_sha256,
            tokenizer.engine,
            {{ sql_string(var('fim_prefix_token')) }},
            {{ sql_string(var('fim_middle_token')) }},
            {{ sql_string(var('fim_suffix_token')) }},
            {{ sql_string(var('fim_spm_variant')) }}
        ) as tokens
    from drawn
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
