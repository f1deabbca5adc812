{#-
  The output directory (var output_dir) belongs to one build at a time: on-run-start claims it
  (python_udfs.export.shards.claim_output_dir, a lock held until dbt exits), so a second build writing
  the same directory, say with another WINNOW_DB, stops before it writes anything, with a message
  naming the database and pid of the build that holds it.
-#}

{% macro claim_output_dir() %}
  {{ return(adapter.dispatch('claim_output_dir', 'winnow')()) }}
{% endmacro %}

{#- Spark exports from an executor's Python worker, which cannot hold a lock for the whole build:
    no claim, one build at a time per output directory (docs/spark.md). -#}
{% macro spark__claim_output_dir() %}
  {{ return("select 'no export on Spark' as winnow_output_dir") }}
{% endmacro %}

{% macro duckdb__claim_output_dir() %}
  {% if execute %}
    {% set result = run_query("select winnow_claim_output_dir("
        ~ sql_string(var('output_dir')) ~ ", "
        ~ "(select path from duckdb_databases() where database_name = current_database()), "
        ~ sql_string(invocation_id) ~ ")") %}
    {% set refused = result.columns[0].values()[0] %}
    {% if refused %}
      {{ exceptions.raise_compiler_error("winnow: " ~ refused) }}
    {% endif %}
  {% endif %}
  {{ return("select 'output_dir claimed' as winnow_output_dir") }}
{% endmacro %}

{#-
  A path var (output_dir, tokenizer_path) as the Spark steps need it: relative paths are relative
  to the project directory, which is dbt's working directory on DuckDB but not an executor
  Python worker's (local-cluster and real clusters run them in their own work directories), so
  the Spark models pass them joined to the project directory the runner names
  (WINNOW_PROJECT_DIR). Absolute paths and the empty string stay as they are.
-#}
{% macro project_path(path) -%}
  {#- Unset outside the runner (dbt parses the Spark models on DuckDB too): the path as given. -#}
  {%- set project_dir = env_var('WINNOW_PROJECT_DIR', '') -%}
  {%- if path and project_dir and not path.startswith('/') -%}
    {{ return(project_dir ~ '/' ~ path) }}
  {%- endif -%}
  {{ return(path) }}
{%- endmacro %}
