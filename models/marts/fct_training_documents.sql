-- The token ids of every document copy of every mixture, in mixture order, a fim_rate share of
-- them in FIM form and a fim_spm_rate share of those in SPM rather than PSM order (per mixture;
-- defaults from vars fim_rate / fim_spm_rate, 0.5 and 0.5 as StarCoder and Megatron-LM). The
-- choice is a hash-ordered quota rather than a coin per copy: the FIM copies are the
-- round(fim_rate x copies) with the smallest stable_hash(seed, 'fim', doc_id, copy), the SPM ones
-- likewise among them, so each copy is FIM with probability fim_rate over the hash, and the
-- realised rates equal the targets to 1/copies (independent coins drift by sqrt(p(1-p)/n): with
-- seed 42 they made 51.6% of the default corpus's 3,300 FIM copies SPM). The two cut points are uniform draws from
-- stable_hash(seed, 'fim_cut_a' / 'fim_cut_b', doc_id, copy). Nothing depends on batching or threads.
-- A text is tokenised once: copies left unchanged reuse int_files_tokenized's ids, and each
-- distinct FIM copy (doc_id, copy, is_spm) is encoded once by winnow_tokenize_fim, which encodes
-- prefix, middle and suffix as ordinary text and inserts the sentinels as special token ids.
-- Progress in dbt's log (macros/progress.sql); the FIM copies are counted as they are encoded.
{{ config(
    pre_hook="{{ progress_start('winnow_tokenize_fim', none) }}",
    post_hook="{{ progress_finish('winnow_tokenize_fim') }}",
) }}

{% if var('fim_spm_variant') not in ['starcoder', 'paper'] %}
  {{ exceptions.raise_compiler_error("var fim_spm_variant = '" ~ var('fim_spm_variant')
      ~ "': expected starcoder (Megatron-LM / StarCoder SPM) or paper (the FIM paper's SPM).") }}
{% endif %}

with

copies as (
    select
        mixture.mixture,
        mixture.position,
        mixture.source,
        mixture.doc_id,
        mixture.copy,
        plan.fim_rate,
        plan.fim_spm_rate
    from {{ ref('fct_mixture') }} as mixture
    join {{ ref('int_mixture_sources_planned') }} as plan using (mixture, source)
),

fim_ranked as (
    select
        *,
        row_number() over (
            partition by mixture
            order by {{ stable_hash([var('seed'), "'fim'", 'doc_id', 'copy']) }}, doc_id, copy
        ) as fim_rank,
        count(*) over (partition by mixture) as mixture_copies
    from copies
),

fim_decided as (
    select
        * exclude (fim_rank, mixture_copies),
        fim_rank <= round(fim_rate * mixture_copies) as is_fim
    from fim_ranked
),

spm_ranked as (
    select
        *,
        row_number() over (
            partition by mixture, is_fim
            order by {{ stable_hash([var('seed'), "'spm'", 'doc_id', 'copy']) }}, doc_id, copy
        ) as spm_rank,
        count(*) over (partition by mixture, is_fim) as fim_copies
    from fim_decided
),

decided as (
    select
        * exclude (spm_rank, fim_copies),
        is_fim and spm_rank <= round(fim_spm_rate * fim_copies) as is_spm
    from spm_ranked
),

tokenizer as (
    select tokenizer_path, tokenizer_sha256, engine from {{ ref('int_tokenizer_prepared') }}
),

fim_texts as (
    select distinct doc_id, copy, is_spm from decided where is_fim
),

fim_tokenized as (
    select
        fim_texts.doc_id,
        fim_texts.copy,
        fim_texts.is_spm,
        winnow_tokenize_fim(
            files.content,
            {{ stable_uniform([var('seed'), "'fim_cut_a'", 'fim_texts.doc_id', 'fim_texts.copy']) }},
            {{ stable_uniform([var('seed'), "'fim_cut_b'", 'fim_texts.doc_id', 'fim_texts.copy']) }},
            fim_texts.is_spm,
            tokenizer.tokenizer_path,
            tokenizer.tokenizer_sha256,
            tokenizer.engine,
            {{ dbt.string_literal(var('fim_prefix_token')) }},
            {{ dbt.string_literal(var('fim_middle_token')) }},
            {{ dbt.string_literal(var('fim_suffix_token')) }},
            {{ dbt.string_literal(var('fim_spm_variant')) }}
        ) as tokens
    from fim_texts
    join {{ ref('fct_curated_files') }} as files using (doc_id)
    cross join tokenizer
),

documents as (
    select
        decided.*,
        tokenized.n_tokens,
        tokenized.input_ids
    from decided
    join {{ ref('int_files_tokenized') }} as tokenized using (doc_id)
    where not decided.is_fim
    union all
    select
        decided.*,
        fim_tokenized.tokens.n_tokens,
        fim_tokenized.tokens.input_ids
    from decided
    join fim_tokenized using (doc_id, copy, is_spm)
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
