{#-
  Incremental per-document caches (the int_*_cache models). The expensive per-document functions
  (MinHash signatures, PII redaction, tokenisation) keep their outputs between builds: a cache row
  holds one document's output (doc_id includes the SHA-256 of its content) and the fingerprint of
  everything else the output depends on, the stage's vars and winnow's code version. A build
  computes only documents without a row of the current fingerprint; delete+insert on doc_id
  replaces a document's row of another fingerprint, and the post-hook prunes the rest: rows of
  another fingerprint, and rows whose key is no longer in the cache's input (a source removed
  from seeds/corpus_sources.csv, a repository opted out, a file moved out of the stage). So every
  row left has the current fingerprint and a current input row, and nothing taken down survives
  in a cache after a normal build. A second build with nothing changed computes nothing, and a
  new corpus computes only its own files (plus, after near dedup, the few old files its files
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
    current fingerprint and the current input. `input` is the model whose keys it computes
    (filtered by `input_where`, an SQL condition over the alias `files`; with `skip_opted_out`,
    without the files of int_files_opted_out): cache_input_keys() selects them, not_cached()
    counts those still to compute, and the post-hook deletes every cached key not among them.
    With `progress_udf`, the UDF's progress goes to dbt's log (macros/progress.sql) against that
    count (no total without `input`). -#}
{% macro cache_config(fingerprint_macro, unique_key=['doc_id'], input=none, input_where=none, progress_udf=none, skip_opted_out=false) %}
  {% set prune = "{{ cache_prune(" ~ fingerprint_macro ~ "()) }}" %}
  {% if progress_udf is none %}
    {% set pre_hooks, post_hooks = [], [prune] %}
  {% else %}
    {% if input is none %}
      {% set start = "{{ progress_start('" ~ progress_udf ~ "', none) }}" %}
    {% else %}
      {% set start = "{{ progress_start('" ~ progress_udf ~ "', cache_input_keys('files'), where=not_cached('files', "
          ~ fingerprint_macro ~ "())) }}" %}
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
      meta={'cache_input': input, 'cache_input_where': input_where, 'cache_fingerprint': fingerprint_macro,
            'cache_skips_opted_out': skip_opted_out},
  ) }}
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
  {% set conditions = [meta['cache_input_where']] if meta.get('cache_input_where') else [] %}
  {% if meta.get('cache_skips_opted_out') %}
    {% do conditions.append("files.doc_id not in (select doc_id from " ~ ref('int_files_opted_out') ~ ")") %}
  {% endif %}
  {{ return("(select distinct " ~ cache_keys() | join(', ') ~ " from " ~ ref(meta['cache_input']) ~ " as files"
            ~ (" where " ~ conditions | join(' and ') if conditions else "") ~ ") as " ~ alias) }}
{% endmacro %}

{#- The post-hook: delete the rows of another fingerprint, and (when the cache has an input) the
    rows whose key is not among the input's current keys, so what left the corpus leaves the cache. -#}
{% macro cache_prune(fingerprint) -%}
  {%- set current = cache_input_keys('current') -%}
  delete from {{ this }} as cached
  where cached.fingerprint <> {{ fingerprint }}
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
    cached keys only. When the model's meta.cache_input (cache_config's `input`) has no row left
    to compute, the filter is the constant false, so DuckDB prunes the whole input: a build with
    nothing new reads no text. -#}
{% macro not_cached(alias, fingerprint, keys=none) -%}
  {%- if not is_incremental() -%}
    true
  {%- elif cache_holds_every_input() -%}
    false
  {%- else -%}
    {{ not_in_cache(alias, fingerprint, keys or cache_keys()) }}
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

{#- True when the cache already holds, with the current fingerprint, every key of its input
    (cache_input_keys); false when it has no input. A count over keys only (a few hundredths of a
    second on 45,000 files), run where not_cached() is rendered: the model's SQL and its progress
    pre-hook. -#}
{% macro cache_holds_every_input() %}
  {% if not execute %}{{ return(false) }}{% endif %}
  {% set input_keys = cache_input_keys('files') %}
  {% if input_keys is none %}{{ return(false) }}{% endif %}
  {% set fingerprint = context[model.config.meta['cache_fingerprint']]() %}
  {% set result = run_query(
      "select count(*) from " ~ input_keys ~ " where " ~ not_in_cache('files', fingerprint, cache_keys())) %}
  {{ return(result.columns[0].values()[0] == 0) }}
{% endmacro %}

{#- The fingerprint of each cache: exactly the vars its model reads (knobs.yml read_by). -#}
{% macro minhash_fingerprint() -%}
  {{ cache_fingerprint(vars_read_by(model.name)) }}
{%- endmacro %}

{% macro signals_fingerprint() -%}
  {{ cache_fingerprint(vars_read_by(model.name)) }}
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
  {{ cache_fingerprint(vars_read_by(model.name), ["(select tokenizer_sha256 from " ~ ref('int_tokenizer_prepared') ~ ")"]) }}
{%- endmacro %}
