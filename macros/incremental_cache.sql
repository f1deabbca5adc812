{#-
  Incremental per-document caches (the int_*_cache models). The expensive per-document functions
  (MinHash signatures, PII redaction, tokenisation) keep their outputs between builds: a cache row
  holds one document's output (doc_id includes the SHA-256 of its content) and the fingerprint of
  everything else the output depends on, the stage's vars and winnow's code version. A build
  computes only documents without a row of the current fingerprint; delete+insert on doc_id
  replaces a document's row of another fingerprint, and the post-hook prunes the rest, so every
  row left has the current fingerprint. A second build with nothing changed computes nothing, and
  a new corpus computes only its own files (plus, after near dedup, the few old files its files
  moved out of a cluster). `dbt build --full-refresh` empties the caches.
-#}

{#- The fingerprint as a SQL expression: the settings (a dict of var values, as JSON with sorted
    keys), winnow's code version (every module of python_udfs), the MD5 of the cache model's own
    SQL, and any SQL expressions in `extra` (e.g. a tokenizer's hash). Editing a macro the model
    calls is not seen: rebuild the cache with --full-refresh after such a change. -#}
{% macro cache_fingerprint(settings, extra=[]) -%}
  {{ stable_hash([
      sql_string(tojson(settings, sort_keys=True)),
      'winnow_code_version()',
      sql_string(local_md5(model.raw_code)),
  ] + extra) }}
{%- endmacro %}

{#- The config of a cache model: incremental on its key (doc_id unless told), pruned to the
    current fingerprint. `input` is the model whose doc_ids it computes (filtered by
    `input_where`): not_cached() counts its rows still to compute. With `progress_udf`, the UDF's
    progress goes to dbt's log (macros/progress.sql) against that count (no total without `input`). -#}
{% macro cache_config(fingerprint_macro, unique_key=['doc_id'], input=none, input_where=none, progress_udf=none) %}
  {% set prune = "delete from {{ this }} where fingerprint <> {{ " ~ fingerprint_macro ~ "() }}" %}
  {% if progress_udf is none %}
    {% set pre_hooks, post_hooks = [], [prune] %}
  {% else %}
    {% if input is none %}
      {% set start = "{{ progress_start('" ~ progress_udf ~ "', none) }}" %}
    {% else %}
      {% set start = "{{ progress_start('" ~ progress_udf ~ "', ref('" ~ input ~ "') ~ ' as files', where="
          ~ ("'" ~ (input_where | replace("'", "\\'")) ~ " and ' ~ " if input_where else "")
          ~ "not_cached('files', " ~ fingerprint_macro ~ "())) }}" %}
    {% endif %}
    {% set pre_hooks = [start] %}
    {% set post_hooks = ["{{ progress_finish('" ~ progress_udf ~ "') }}", prune] %}
  {% endif %}
  {#- A cache whose columns change has a new fingerprint too (its SQL changed), so every row is
      computed again: sync the columns rather than fail. -#}
  {{ config(
      materialized='incremental',
      unique_key=unique_key,
      incremental_strategy='delete+insert',
      on_schema_change='sync_all_columns',
      pre_hook=pre_hooks,
      post_hook=post_hooks,
      meta={'cache_input': input, 'cache_input_where': input_where, 'cache_fingerprint': fingerprint_macro},
  ) }}
{% endmacro %}

{#- A filter for the cache's input rows (alias `alias`): those the cache does not hold yet for the
    current fingerprint, by its key columns. Uncorrelated (key not in the cached keys): DuckDB
    plans a correlated NOT EXISTS as a delim join that materialises every input column, text
    included, while this anti-join's hash table holds the cached keys only. When the model's
    meta.cache_input (cache_config's `input`) has no row left to compute, the filter is the
    constant false, so DuckDB prunes the whole input: a build with nothing new reads no text. -#}
{% macro not_cached(alias, fingerprint, keys=['doc_id']) -%}
  {%- if not is_incremental() -%}
    true
  {%- elif cache_holds_every_input() -%}
    false
  {%- else -%}
    {{ not_in_cache(alias, fingerprint, keys) }}
  {%- endif -%}
{%- endmacro %}

{#- The anti-join itself: the row's key is not among the cached keys of this fingerprint. -#}
{% macro not_in_cache(alias, fingerprint, keys) -%}
    {{ cache_key(alias, keys) }} not in (
        select {{ cache_key('cached', keys) }} from {{ this }} as cached
        where cached.fingerprint = {{ fingerprint }}
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

{#- True when the cache already holds, with the current fingerprint, every row of its input
    (meta.cache_input, filtered by meta.cache_input_where); false when it has no such input. A
    count over keys only (a few hundredths of a second on 45,000 files), run where not_cached()
    is rendered: the model's SQL and its progress pre-hook. -#}
{% macro cache_holds_every_input() %}
  {% set meta = model.config.meta %}
  {% if not execute or not meta.get('cache_input') %}{{ return(false) }}{% endif %}
  {% set fingerprint = context[meta['cache_fingerprint']]() %}
  {% set where = meta.get('cache_input_where') %}
  {% set result = run_query(
      "select count(*) from " ~ ref(meta['cache_input']) ~ " as files where "
      ~ (where ~ " and " if where else "")
      ~ not_in_cache('files', fingerprint, ['doc_id'])) %}
  {{ return(result.columns[0].values()[0] == 0) }}
{% endmacro %}

{#- The fingerprint of each cache: exactly the vars its function reads. -#}
{% macro minhash_fingerprint() -%}
  {{ cache_fingerprint({
      'num_perm': var('near_dedup_num_perm'),
      'shingle_size': var('near_dedup_shingle_size'),
      'seed': var('near_dedup_seed'),
      'scheme': var('near_dedup_minhash_scheme'),
      'shingle_hash': var('near_dedup_shingle_hash'),
      'shingle_unit_code': var('near_dedup_shingle_unit_code'),
      'shingle_unit_text': var('near_dedup_shingle_unit_text'),
      'shingle_unit_docs': var('near_dedup_shingle_unit_docs'),
  }) }}
{%- endmacro %}

{% macro signals_fingerprint() -%}
  {{ cache_fingerprint({
      'autogenerated_scan_lines': var('autogenerated_scan_lines'),
      'xml_header_scan_chars': var('xml_header_scan_chars'),
      'exact_dedup_normalisation': var('exact_dedup_normalisation'),
  }) }}
{%- endmacro %}

{#- The prose signals take no var: only the code and the model's SQL. -#}
{% macro prose_signals_fingerprint() -%}
  {{ cache_fingerprint({}) }}
{%- endmacro %}

{% macro pii_fingerprint() -%}
  {{ cache_fingerprint({'policy': pii_policy_json() | trim}) }}
{%- endmacro %}

{% macro decontamination_fingerprint() -%}
  {{ cache_fingerprint({}, [
      "(select coalesce(string_agg(" ~ stable_hash(['benchmark', 'task_id', 'ngram']) ~ ", '' order by benchmark, task_id, ngram), '')"
      ~ " from " ~ ref('int_benchmark_ngrams') ~ " where not is_allow_listed)"
  ]) }}
{%- endmacro %}

{% macro tokens_fingerprint() -%}
  {{ cache_fingerprint({}, ["(select tokenizer_sha256 from " ~ ref('int_tokenizer_prepared') ~ ")"]) }}
{%- endmacro %}

{% macro fim_fingerprint() -%}
  {{ cache_fingerprint({
      'seed': var('seed'),
      'fim_prefix_token': var('fim_prefix_token'),
      'fim_middle_token': var('fim_middle_token'),
      'fim_suffix_token': var('fim_suffix_token'),
      'fim_spm_variant': var('fim_spm_variant'),
  }, ["(select tokenizer_sha256 from " ~ ref('int_tokenizer_prepared') ~ ")"]) }}
{%- endmacro %}
