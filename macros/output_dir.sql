{#-
  The output directory (var output_dir) belongs to one build at a time: on-run-start claims it
  (python_udfs.export.shards.claim_output_dir, a lock held until dbt exits), so a second build writing
  the same directory, say with another WINNOW_DB, stops before it writes anything, with a message
  naming the database and pid of the build that holds it.
-#}

{% macro claim_output_dir() %}
  {{ return(adapter.dispatch('claim_output_dir', 'winnow')()) }}
{% endmacro %}

{#- Spark does not export yet (docs/spark.md): no directory to claim. -#}
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
