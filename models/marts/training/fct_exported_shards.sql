-- fct_exported_shards on Spark (the DuckDB form is fct_exported_shards.py): the same step,
-- python_udfs.steps.export, run by the winnow_export_shards table function in one partition: a
-- first row carries what the manifest lists (as JSON, typed as DuckDB's model reads it), then the
-- windows follow in mixture, split and window order. It writes var output_dir from an executor
-- (a file system the driver and executors share, on a cluster). Recomputed every build.
{{ config(materialized='table', enabled=target.type == 'spark') }}
{%- set knobs = {
    'output_dir': project_path(var('output_dir')),
    'formats': var('export_formats'),
    'tokens_per_shard': var('export_tokens_per_shard') | int,
    'seq_len': var('seq_len') | int,
    'packing': {
        'strategy': var('packing_strategy'),
        'tail': var('packing_tail'),
        'best_fit_block_tokens': var('packing_best_fit_block_tokens') | int,
    },
} %}
{#- The one manifest field that names the engine: the warehouse and schema the runner's session uses. -#}
{%- set build = {'engine': 'spark', 'warehouse': env_var('WINNOW_SPARK_WAREHOUSE', ''), 'schema': this.schema} %}
{%- set context = {
    'every_var': fromjson(config.get('manifest_vars')),
    'root': env_var('WINNOW_PROJECT_DIR', ''),
    'git': fromjson(env_var('WINNOW_GIT_COMMIT', 'null')),
    'build': build,
} %}
with

tokenizer as (
    select
        tokenizer_path,
        tokenizer_sha256,
        cast(vocab_size as bigint) as vocab_size,
        cast(eos_token_id as bigint) as eos_token_id,
        cast(pad_token_id as bigint) as pad_token_id,
        engine
    from {{ ref('int_tokenizer_prepared') }}
),

mixtures as (
    select distinct mixture from {{ ref('fct_training_documents') }}
),

sources as (
    select
        source_name,
        parquet_glob
    from {{ ref('corpus_sources') }}
),

funnel as (
    select
        source,
        stage,
        cast(stage_order as bigint) as stage_order,
        cast(files_remaining as bigint) as files_remaining,
        cast(bytes_remaining as bigint) as bytes_remaining,
        cast(files_removed as bigint) as files_removed,
        cast(bytes_removed as bigint) as bytes_removed,
        cast(bytes_edited as bigint) as bytes_edited
    from {{ ref('fct_funnel') }}
),

curated_tokens as (
    select
        source,
        count(*) as files,
        cast(sum(n_tokens) as bigint) as tokens
    from {{ ref('int_files_tokenized') }}
    group by source
),

mixture_tokens as (
    select
        mixture,
        source,
        documents,
        score_bucket,
        cast(copies as bigint) as copies,
        cast(realised_tokens as bigint) as tokens
    from {{ ref('fct_mixture_realised') }}
),

packing_report as (
    select
        mixture,
        split,
        strategy,
        cast(seq_len as bigint) as seq_len,
        cast(documents as bigint) as documents,
        cast(document_tokens as bigint) as document_tokens,
        cast(windows as bigint) as windows,
        cast(packed_tokens as bigint) as packed_tokens,
        cast(padding_tokens as bigint) as padding_tokens,
        cast(padding_fraction as double) as padding_fraction,
        cast(cut_documents as bigint) as cut_documents,
        cast(truncated_documents as bigint) as truncated_documents,
        cast(dropped_tokens as bigint) as dropped_tokens,
        cast(token_share as double) as token_share
    from {{ ref('fct_packing_stats') }}
),

splits as (
    select
        split,
        count(*) as repos,
        cast(sum(files) as bigint) as files
    from {{ ref('fct_repo_splits') }}
    group by split
),

windows as (
    select * from {{ ref('fct_packed_sequences') }}
),

split_totals as (
    select
        mixture,
        split,
        count(*) as windows,
        cast(coalesce(sum(n_tokens), 0) as bigint) as real_tokens
    from windows
    group by mixture, split
),

-- NULLs kept (to_json leaves them out unless told): a pad id or score bucket may be NULL.
inputs as (
    select
        to_json(
            named_struct(
                'tokenizer', (select first(struct(*)) from tokenizer),
                'mixtures', (select collect_list(mixture) from mixtures),
                'sources', (select collect_list(struct(*)) from sources),
                'funnel', (select collect_list(struct(*)) from funnel),
                'curated_tokens', (select collect_list(struct(*)) from curated_tokens),
                'mixture_tokens', (select collect_list(struct(*)) from mixture_tokens),
                'packing_report', (select collect_list(struct(*)) from packing_report),
                'splits', (select collect_list(struct(*)) from splits),
                'split_totals', (select collect_list(struct(*)) from split_totals)
            ),
            map('ignoreNullFields', 'false')
        ) as inputs_json
),

stream as (
    select
        0 as part,
        inputs_json,
        cast(null as string) as mixture,
        cast(null as string) as split,
        cast(null as bigint) as window_index,
        cast(null as array<int>) as input_ids,
        cast(null as int) as n_tokens,
        cast(null as int) as n_padding,
        cast(null as array<int>) as boundaries,
        cast(null as array<bigint>) as document_positions,
        cast(null as array<int>) as document_offsets
    from inputs
    union all
    select
        1 as part,
        null as inputs_json,
        mixture,
        split,
        window_index,
        input_ids,
        n_tokens,
        n_padding,
        boundaries,
        document_positions,
        document_offsets
    from windows
)

select *
from winnow_export_shards(
    table(stream) with single partition order by (part, mixture, split, window_index),
    {{ sql_string(tojson(knobs)) }},
    {{ sql_string(tojson(context)) }}
)
