{#-
  Incremental per-document caches. The expensive per-document functions (quality and prose
  signals, MinHash signatures, PII redaction, decontamination scans, tokenisation) keep their
  outputs between builds: a cache row holds one document's output (doc_id includes the SHA-256 of
  its content) and the fingerprint it was computed with (macros/memoized_table.sql: the model's
  compiled code, so every var it reads, winnow's code version and its `fingerprint_inputs`). A
  build computes only documents without a row of the current fingerprint; delete+insert on the key
  replaces a document's row of another fingerprint, and the post-hook prunes the rest: rows of
  another fingerprint, and rows whose key is no longer in the cache's input (a source removed
  from seeds/corpus_sources.csv, a repository opted out, a file moved out of the stage). So every
  row left has the current fingerprint and a current input row, and nothing taken down survives
  in a cache after a normal build. A second build with nothing changed computes nothing, and a
  new corpus computes only its own files (plus, after near dedup, the few old files its files
  moved out of a cluster). Each row is committed with its fingerprint, so a killed build keeps
  complete rows only. `dbt build --full-refresh` empties the caches.
-#}

{#- The current fingerprint, in the cache model's SQL and hooks: a session variable (DuckDB's
    SET VARIABLE, Spark's DECLARE VARIABLE) the first pre-hook sets (set_cache_fingerprint), named
    after the model so no other model's value is read. -#}
{% macro cache_fingerprint() -%}
  {{ session_variable('winnow_fingerprint__' ~ this.identifier) }}
{%- endmacro %}

{#- True (a variable, like the fingerprint) when the cache already holds every key of its input
    with the current fingerprint. -#}
{% macro cache_complete() -%}
  {{ session_variable('winnow_cache_complete__' ~ this.identifier) }}
{%- endmacro %}

{#- The first two pre-hooks of every cache: the fingerprint, then whether anything is left to
    compute (a count over keys only, cheap enough for every build; false on a first build or
    without an input). -#}
{% macro set_cache_fingerprint() %}
  {% set fingerprint = model_fingerprint(upstream_state=false) %}
  {% if fingerprint is none and execute %}
    {{ exceptions.raise_compiler_error(this.identifier ~ ": a fingerprint_inputs expression of the model is NULL; "
        ~ "build the models it reads first (dbt build --select +" ~ this.identifier ~ ").") }}
  {% endif %}
  {{ set_session_variable('winnow_fingerprint__' ~ this.identifier, sql_string(fingerprint)) }}
{% endmacro %}

{% macro set_cache_complete() %}
  {%- set input_keys = cache_input_keys('files') %}
  set variable {{ 'winnow_cache_complete__' ~ this.identifier }} =
  {%- if is_incremental() and input_keys is not none and cache_holds_keys() %}
      (select count(*) = 0 from {{ input_keys }} where {{ not_in_cache('files', cache_keys()) }})
  {%- else %} false
  {%- endif %}
{% endmacro %}

{#- The config of a cache model: incremental on its key (doc_id unless told), pruned to the
    current fingerprint and the current input. `input` is the model whose keys it computes
    (filtered by `input_where`, an SQL condition over the alias `files`, Jinja rendered when the
    model runs; with `skip_opted_out`,
    without the files of int_files_opted_out): cache_input_keys() selects them, not_cached()
    filters those still to compute, and the post-hook deletes every cached key not among them.
    `fingerprint_inputs`: Jinja strings of SQL expressions for state the model's code does not
    show (macros/memoized_table.sql). With `progress_udf`, the UDF's progress goes to dbt's log
    (macros/progress.sql) against the count still to compute (no total without `input`). -#}
{% macro cache_config(unique_key=['doc_id'], input=none, input_where=none, progress_udf=none, skip_opted_out=false, fingerprint_inputs=[]) %}
  {% set pre_hooks = ["{{ set_cache_fingerprint() }}", "{{ set_cache_complete() }}"] %}
  {% set post_hooks = ["{{ cache_prune() }}"] %}
  {% if progress_udf is not none %}
    {% if input is none %}
      {% do pre_hooks.append("{{ progress_start('" ~ progress_udf ~ "', none) }}") %}
    {% else %}
      {% do pre_hooks.append("{{ progress_start('" ~ progress_udf ~ "', cache_input_keys('files'), where=not_cached('files')) }}") %}
    {% endif %}
    {% set post_hooks = ["{{ progress_finish('" ~ progress_udf ~ "') }}"] + post_hooks %}
  {% endif %}
  {% set meta = {'cache_input': input, 'cache_input_where': input_where, 'cache_skips_opted_out': skip_opted_out} %}
  {{ adapter.dispatch('cache_model_config', 'winnow')(unique_key, pre_hooks, post_hooks, fingerprint_inputs, meta) }}
{% endmacro %}

{#- A cache whose columns change has a new fingerprint too (its SQL changed), so every row is
    computed again: sync the columns rather than fail. -#}
{% macro default__cache_model_config(unique_key, pre_hooks, post_hooks, fingerprint_inputs, meta) %}
  {{ config(
      materialized='incremental',
      unique_key=unique_key,
      incremental_strategy='delete+insert',
      on_schema_change='sync_all_columns',
      pre_hook=pre_hooks,
      post_hook=post_hooks,
      fingerprint_inputs=fingerprint_inputs,
      meta=meta,
  ) }}
{% endmacro %}

{#- Spark: a plain table with the same rows, every row computed on every build (dbt-spark's
    incremental strategies need Delta or Iceberg for delete+insert). Its rows still carry the
    fingerprint; nothing is left to prune (the table holds the current input only), and the
    progress UDFs would count in the executors' Python workers, not in dbt's log. -#}
{% macro spark__cache_model_config(unique_key, pre_hooks, post_hooks, fingerprint_inputs, meta) %}
  {{ config(
      materialized='table',
      unique_key=unique_key,
      pre_hook=["{{ set_cache_fingerprint() }}"],
      fingerprint_inputs=fingerprint_inputs,
      meta=meta,
  ) }}
{% endmacro %}

{#- False when the stored cache lacks a key column (a winnow version that added one): every row
    is then computed again, as its fingerprint changed too, instead of the anti-join failing. -#}
{% macro cache_holds_keys() %}
  {% if not execute %}{{ return(true) }}{% endif %}
  {% set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
  {% for key in cache_keys() %}
    {% if key | lower not in stored %}{{ return(false) }}{% endif %}
  {% endfor %}
  {{ return(true) }}
{% endmacro %}

{#- The cache's keys as a config list (unique_key may be one string). -#}
{% macro cache_keys() %}
  {% set keys = model.config.get('unique_key') or ['doc_id'] %}
  {{ return([keys] if keys is string else keys) }}
{% endmacro %}

{#- The distinct keys the cache should hold, as a subquery named `alias`: its input model's rows
    (meta.cache_input) that pass meta.cache_input_where and, for caches that skip them, are not
    opted out. None when the cache has no input. -#}
{% macro cache_input_keys(alias) %}
  {% set meta = model.config.meta %}
  {% if not meta.get('cache_input') %}{{ return(none) }}{% endif %}
  {#- Rendered here, when the model runs: a condition may call macros that read the seeds. -#}
  {% set conditions = [render(meta['cache_input_where'])] if meta.get('cache_input_where') else [] %}
  {% if meta.get('cache_skips_opted_out') %}
    {% do conditions.append("files.doc_id not in (select doc_id from " ~ ref('int_files_opted_out') ~ ")") %}
  {% endif %}
  {{ return("(select distinct " ~ cache_keys() | join(', ') ~ " from " ~ ref(meta['cache_input']) ~ " as files"
            ~ (" where " ~ conditions | join(' and ') if conditions else "") ~ ") as " ~ alias) }}
{% endmacro %}

{#- The post-hook: delete the rows of another fingerprint, and (when the cache has an input) the
    rows whose key is not among the input's current keys, so what left the corpus leaves the cache. -#}
{% macro cache_prune() -%}
  {%- set current = cache_input_keys('current') -%}
  delete from {{ this }} as cached
  where cached.fingerprint <> {{ cache_fingerprint() }}
  {%- if current is not none %}
      or {{ cache_key('cached', cache_keys()) }} not in (
          select {{ cache_key('current', cache_keys()) }} from {{ current }}
      )
  {%- endif %}
{%- endmacro %}

{#- A filter for the cache's input rows (alias `alias`): those the cache does not hold yet for the
    current fingerprint, by its key columns (the model's unique_key unless told). Uncorrelated (key
    not in the cached keys): DuckDB plans a correlated NOT EXISTS as a delim join that
    materialises every input column, text included, while this anti-join's hash table holds the
    cached keys only. When nothing is left to compute, cache_complete() is true, and DuckDB binds
    a variable as a constant, so it prunes the whole input: a build with nothing new reads no
    text. Between cache_filter_begin/end: not part of the fingerprinted code. -#}
{% macro not_cached(alias, keys=none) -%}
  {{ cache_filter_begin() }}
  {%- if not is_incremental() or not cache_holds_keys() %} true
  {%- else %} (not {{ cache_complete() }} and {{ not_in_cache(alias, keys or cache_keys()) }})
  {%- endif %} {{ cache_filter_end() }}
{%- endmacro %}

{#- The anti-join itself: the row's key is not among the cached keys of this fingerprint. -#}
{% macro not_in_cache(alias, keys) -%}
    {{ cache_key(alias, keys) }} not in (
        select {{ cache_key('cached', keys) }} from {{ this }} as cached
        where cached.fingerprint = {{ cache_fingerprint() }}
    )
{%- endmacro %}

{#- The key of a cache row as one never-NULL value (NOT IN must not meet a NULL). -#}
{% macro cache_key(alias, keys) -%}
  {%- if keys | length == 1 -%}
    coalesce({{ alias }}.{{ keys[0] }}, '')
  {%- else -%}
    cast(struct_pack({% for key in keys %}{{ key }} := {{ alias }}.{{ key }}{{ ", " if not loop.last }}{% endfor %}) as varchar)
  {%- endif -%}
{%- endmacro %}
