{#-
  Progress of a model's long UDF step in dbt's log (python_udfs/engine/progress.py): rows done of total
  and rows per second, every var progress_interval_seconds (default 10 s). Used as a model's
  pre-hook and post-hook:
    {{ config(pre_hook="{{ progress_start('winnow_minhash', ref('int_files_exact_deduped')) }}",
              post_hook="{{ progress_finish('winnow_minhash') }}") }}
  The total is count(*) of the relation the UDF runs over (optionally filtered by `where`); with
  relation none the log gives rows done and rows/s without a total.
-#}
{% macro progress_start(udf, relation, where=none) -%}
  select winnow_progress_start(
      {{ sql_string(udf) }},
      {{ sql_string(this.identifier) }},
      {% if relation is none %}cast(null as bigint){% else %}(select count(*) from {{ relation }}{% if where %} where {{ where }}{% endif %}){% endif %},
      {{ var('progress_interval_seconds') }}
  )
{%- endmacro %}

{% macro progress_finish(udf) -%}
  select winnow_progress_finish({{ sql_string(udf) }})
{%- endmacro %}
