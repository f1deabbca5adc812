{#-
  Winnow's one cache mechanism: a model's fingerprint, and two ways of keeping what it computed.

  The fingerprint (model_fingerprint) is the MD5 of
    - the model's compiled code: every var and macro it reads is rendered into it, so what a model
      depends on is derived, never listed by hand (the per-document caches' row filter, which
      differs between a first and a later build, is left out: cache_filter_begin/end);
    - winnow_code_version(): every module of python_udfs;
    - the model's `fingerprint_inputs`: SQL expressions (Jinja, rendered when the model runs) for
      state its code does not show, e.g. the tokenizer's hash or the export's environment;
    - for a memoized table, the state of every upstream node:
      - a memoized table: the hash of the rows it holds, recorded when it was built (so a rebuild
        that gives the same rows, say after a raw file was touched, does not by itself rebuild
        what reads the table);
      - an incremental cache: its row count and a hash over its keys and fingerprints (a row's
        content is a function of both);
      - another table or a seed: its row count and a hash over every row;
      - a view: MD5 of its SQL as DuckDB stores it, then its own upstream nodes, and the raw
        files' path, size and mtime when it stages corpus files (python_udfs.engine.file_state).
  No thread count or other run setting is in it: outputs must not depend on them.

  Memoized tables (this materialization): whole-corpus stages (near-dup candidates and clusters,
  the ledger, mixing, packing, export). The table is reused (dbt reports REUSED) when it exists,
  the fingerprint equals the one recorded when it was last built, and (with `memo_outputs_intact`,
  an SQL boolean over `{this}`) the files it wrote are still in place. The fingerprint is
  forgotten before the table is replaced and recorded after, with the hash of the rows: a build
  killed in between leaves no fingerprint, and the next build rebuilds. An input whose state is
  unknown (an upstream memoized table without a recorded fingerprint) means build and record
  nothing. `dbt build --full-refresh` builds every memoized table again.

  Per-document caches (macros/incremental_cache.sql): incremental tables whose rows each carry the
  fingerprint they were computed with; the fingerprint, without upstream state (each row's input
  is its own document), is set as a session variable before the model's SQL runs and read there
  with cache_fingerprint(), so the compiled code never contains it.

  Row hashes use DuckDB's hash(), summed as a 128-bit integer with the row count: not
  cryptographic, but an accidental collision of two different tables is out of reach, and a
  DuckDB upgrade that changes hash() only causes rebuilds.
-#}

{% materialization memoized_table, adapter='duckdb', supported_languages=['sql', 'python'] %}
  {%- set language = model['language'] -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set fingerprint = model_fingerprint(upstream_state=true) -%}

  {%- if existing_relation is not none and existing_relation.is_table and fingerprint is not none
        and not should_full_refresh()
        and memo_recorded_fingerprint(target_relation) == fingerprint
        and memo_outputs_intact(target_relation) -%}
    {{ log(this ~ ": inputs unchanged since it was built (fingerprint " ~ fingerprint[:12] ~ "), reused", info=True) }}
    {% do store_raw_result('main', message='REUSED', code='REUSED', rows_affected=-1) %}
    {{ return({'relations': [target_relation]}) }}
  {%- endif -%}

  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set backup_relation = make_backup_relation(target_relation, 'table' if existing_relation is none else existing_relation.type) -%}
  {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
  {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
  {% do memo_forget(target_relation) %}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main', language=language) -%}
    {{- create_table_as(False, intermediate_relation, compiled_code, language) }}
  {%- endcall %}
  {% if existing_relation is not none %}
    {{ adapter.rename_relation(existing_relation, backup_relation) }}
  {% endif %}
  {{ adapter.rename_relation(intermediate_relation, target_relation) }}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ drop_relation_if_exists(backup_relation) }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {% if fingerprint is not none %}
    {% do memo_record(target_relation, fingerprint) %}
  {% endif %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- Spark: a plain table, rebuilt on every build (the same rows; no fingerprints to compare yet). -#}
{% materialization memoized_table, adapter='spark', supported_languages=['sql'] %}
  {{ return(materialization_table_spark()) }}
{% endmaterialization %}


{#- Where the fingerprints live: one row per memoized table, in the target schema. Created by
    on-run-start, before dbt's threads start (two threads creating it at once would conflict). -#}
{% macro memo_fingerprints_relation() -%}
  {{ target.database }}.{{ target.schema }}.winnow_memoized_fingerprints
{%- endmacro %}

{% macro create_memo_fingerprints_table() -%}
  {{ return(adapter.dispatch('create_memo_fingerprints_table', 'winnow')()) }}
{%- endmacro %}

{#- Spark builds memoized tables as plain tables (spark__ materialization below): nothing to record. -#}
{% macro spark__create_memo_fingerprints_table() -%}
  select 'memoized tables are plain tables on Spark' as winnow_memo
{%- endmacro %}

{% macro duckdb__create_memo_fingerprints_table() -%}
  create table if not exists {{ memo_fingerprints_relation() }} (
      relation varchar primary key,
      fingerprint varchar not null,
      rows_hash varchar not null
  )
{%- endmacro %}

{% macro memo_recorded_fingerprint(relation) %}
  {% set result = run_query("select fingerprint from " ~ memo_fingerprints_relation() ~ " where relation = "
                            ~ sql_string(relation.identifier)) %}
  {{ return(result.columns[0].values()[0] if result.rows | length > 0 else none) }}
{% endmacro %}

{% macro memo_forget(relation) %}
  {% call statement('memo_forget', auto_begin=False) %}
    delete from {{ memo_fingerprints_relation() }} where relation = {{ sql_string(relation.identifier) }}
  {% endcall %}
{% endmacro %}

{% macro memo_record(relation, fingerprint) %}
  {% call statement('memo_record', auto_begin=False) %}
    insert or replace into {{ memo_fingerprints_relation() }}
    select {{ sql_string(relation.identifier) }}, {{ sql_string(fingerprint) }}, ({{ rows_hash(relation) }})
  {% endcall %}
{% endmacro %}

{#- True unless the model's `memo_outputs_intact` check (SQL over `{this}`) says otherwise.
    `{literal:<key>}` in the check stands for the model's config value <key> as a string literal:
    YAML configs cannot call sql_string, and a var pasted between quotes there would be SQL. -#}
{% macro memo_outputs_intact(relation) %}
  {% set check = config.get('memo_outputs_intact') %}
  {% if not check %}{{ return(true) }}{% endif %}
  {% set filled = namespace(check=check | replace('{this}', relation | string)) %}
  {% for key in modules.re.findall('[{]literal:([A-Za-z0-9_]+)[}]', check) | unique %}
    {% set filled.check = filled.check | replace('{literal:' ~ key ~ '}', sql_string(config.get(key))) %}
  {% endfor %}
  {% set result = run_query("select coalesce((" ~ filled.check ~ "), false)") %}
  {{ return(result.columns[0].values()[0]) }}
{% endmacro %}

{#- The model's fingerprint (see the header), or none when some input's state is unknown. -#}
{% macro model_fingerprint(upstream_state) %}
  {#- Hooks are rendered while dbt parses too, before there is compiled code. -#}
  {% if not execute %}{{ return(none) }}{% endif %}
  {% set parts = [sql_string(local_md5(fingerprinted_code(model.compiled_code))), 'winnow_code_version()'] %}
  {% for input in config.get('fingerprint_inputs', []) %}
    {% do parts.append("(" ~ render(input) ~ ")") %}
  {% endfor %}
  {% if upstream_state %}
    {% set visited = [] %}
    {% for node_id in model.depends_on.nodes | sort %}
      {% do parts.extend(memo_node_state(node_id, visited)) %}
    {% endfor %}
  {% endif %}
  {#- || propagates NULL: one unknown state makes the whole fingerprint unknown. -#}
  {% set result = run_query("select md5(" ~ parts | join(" || '|' || ") ~ ")") %}
  {{ return(result.columns[0].values()[0]) }}
{% endmacro %}

{#- The compiled code without the spans that depend on what a cache already holds rather than on
    what the model computes (cache_filter_begin/end): a first build and a later one fingerprint
    the same code. -#}
{% macro fingerprinted_code(code) %}
  {{ return(modules.re.sub(cache_filter_begin() | replace('*', '[*]') ~ '.*?' ~ cache_filter_end() | replace('*', '[*]'),
                           '', code, flags=modules.re.DOTALL)) }}
{% endmacro %}

{% macro cache_filter_begin() %}{{ return('/* winnow:cache-filter */') }}{% endmacro %}
{% macro cache_filter_end() %}{{ return('/* winnow:end-cache-filter */') }}{% endmacro %}

{#- SQL expressions (VARCHAR) for the state of one upstream node; views and ephemerals add their
    own upstream nodes' states. `visited` keeps a node shared by two paths from counting twice. -#}
{% macro memo_node_state(node_id, visited) %}
  {% if node_id in visited %}{{ return([]) }}{% endif %}
  {% do visited.append(node_id) %}
  {% set node = graph.nodes.get(node_id) %}
  {% if node is none %}
    {#- A source or an unknown node: no state to read, so never reuse. -#}
    {{ return(["null"]) }}
  {% endif %}
  {% set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) %}
  {% set materialized = node.config.materialized %}
  {% set states = [sql_string(node_id)] %}
  {% if node.unique_id.startswith('seed.') or materialized == 'table' %}
    {% do states.append("(" ~ rows_hash(relation) ~ ")") %}
  {% elif materialized == 'memoized_table' %}
    {% do states.append("(select rows_hash from " ~ memo_fingerprints_relation()
                        ~ " where relation = " ~ sql_string(relation.identifier) ~ ")") %}
  {% elif materialized == 'incremental' %}
    {% set keys = node.config.unique_key if node.config.unique_key is not string else [node.config.unique_key] %}
    {% do states.append("(" ~ rows_hash(relation, keys + ['fingerprint']) ~ ")") %}
  {% elif materialized in ('view', 'ephemeral') %}
    {% if materialized == 'view' %}
      {% do states.append("(select md5(sql) from duckdb_views() where database_name = " ~ sql_string(node.database)
                          ~ " and schema_name = " ~ sql_string(node.schema)
                          ~ " and view_name = " ~ sql_string(node.alias) ~ ")") %}
    {% endif %}
    {#- Once per fingerprint, however many staging views read the raw files. -#}
    {% if 'macro.winnow.stage_corpus_files' in node.depends_on.macros and 'raw files' not in visited %}
      {% do visited.append('raw files') %}
      {% do states.append(raw_files_state()) %}
    {% endif %}
    {% for upstream_id in node.depends_on.nodes | sort %}
      {% do states.extend(memo_node_state(upstream_id, visited)) %}
    {% endfor %}
  {% else %}
    {% do states.append("null") %}
  {% endif %}
  {{ return(states) }}
{% endmacro %}

{#- A query for the row count of a relation and the sum of the hashes of its rows (of `columns`
    only, when given). -#}
{% macro rows_hash(relation, columns=none) -%}
  select count(*) || ':' || coalesce(sum(hash({{ columns | join(', ') if columns else 'memo_row' }})), 0)
  from {{ relation }} as memo_row
{%- endmacro %}

{#- The path, size and mtime of every raw file of every corpus source (python_udfs.engine.file_state).
    The seed is read by its relation, not ref(): the memoized model need not depend on it. -#}
{% macro raw_files_state() %}
  {% set seed = graph.nodes['seed.winnow.corpus_sources'] %}
  {% set relation = api.Relation.create(database=seed.database, schema=seed.schema, identifier=seed.alias) %}
  {{ return("winnow_files_state((select coalesce(list(parquet_glob order by source_name), []) from "
            ~ relation ~ ")::varchar[])") }}
{% endmacro %}
