{#-
  Checks every knob before any model runs (on-run-start in dbt_project.yml), so that a bad var
  stops a build in its first second with a message naming the var, not hours later in the stage
  that reads it. All problems are reported at once. Each var is checked against its spec in
  knob_specs() (generated from knobs.yml: type, range, choices); the checks that relate two vars
  follow. python_udfs/knobs.py value_problems is the Python twin of these checks, with the same
  words (tests/dbt/test_bad_vars.py compares them).
-#}

{% macro _is_integer(value) %}
  {{ return(value is integer and value is not boolean) }}
{% endmacro %}

{#- A number that is neither NaN nor infinite: x - x is 0 exactly for every finite x. -#}
{% macro _is_finite(value) %}
  {{ return(value is number and value is not boolean and value - value == 0) }}
{% endmacro %}

{% macro _is_string_list(value) %}
  {{ return(value is iterable and value is not string and value is not mapping
            and (value | reject('string') | list | length) == 0) }}
{% endmacro %}

{#- The problem with one value of type int, float, bool, string or enum, or '' when it is allowed. -#}
{% macro knob_scalar_problem(label, value, spec) %}
  {% set kind, shown = spec['type'], value | tojson %}
  {% if kind == 'int' and not _is_integer(value) %}
    {{ return("var " ~ label ~ " = " ~ shown ~ " must be an integer") }}
  {% elif kind == 'float' and not _is_finite(value) %}
    {{ return("var " ~ label ~ " = " ~ shown ~ " must be a finite number") }}
  {% elif kind in ('int', 'float') %}
    {% set low, high = spec['range'] %}
    {% if spec.get('exclusive') %}
      {% if not (value > low and value < high) %}
        {{ return("var " ~ label ~ " = " ~ value ~ " must be a number strictly between " ~ low ~ " and " ~ high) }}
      {% endif %}
    {% elif not (value >= low and value <= high) %}
      {{ return("var " ~ label ~ " = " ~ value ~ " must be between " ~ low ~ " and " ~ high) }}
    {% endif %}
  {% elif kind == 'bool' and value is not boolean %}
    {{ return("var " ~ label ~ " = " ~ shown ~ " must be true or false") }}
  {% elif kind == 'string' and (value is not string or (spec.get('non_empty') and value == '')) %}
    {{ return("var " ~ label ~ " = " ~ shown ~ " must be a " ~ ("non-empty " if spec.get('non_empty') else "") ~ "string") }}
  {% elif kind == 'enum' and (value is not string or value not in spec['choices']) %}
    {{ return("var " ~ label ~ " = " ~ shown ~ " is not one of: " ~ spec['choices'] | join(', ')) }}
  {% endif %}
  {{ return('') }}
{% endmacro %}

{#- Every problem with the value of knob `name`, per its spec in knob_specs(). -#}
{% macro knob_problems(name, value, spec) %}
  {% set problems = [] %}
  {% if value is none and spec.get('nullable') %}
    {{ return(problems) }}
  {% elif spec['type'] == 'list' and 'values' in spec %}
    {% if value is not iterable or value is string or value is mapping or value | length < spec.get('min_items', 0) %}
      {% do problems.append("var " ~ name ~ " = " ~ (value | tojson) ~ " must be a " ~ ("non-empty " if spec.get('min_items') else "")
          ~ "list of " ~ spec['item'] ~ " values") %}
    {% else %}
      {% for item in value %}
        {% set problem = knob_scalar_problem(name ~ "[" ~ loop.index0 ~ "]", item, spec['values']) %}
        {% if problem %}{% do problems.append(problem) %}{% endif %}
      {% endfor %}
    {% endif %}
  {% elif spec['type'] == 'list' %}
    {% if not _is_string_list(value) or value | length < spec.get('min_items', 0) %}
      {% do problems.append("var " ~ name ~ " = " ~ (value | tojson) ~ " must be a " ~ ("non-empty " if spec.get('min_items') else "")
          ~ "list of " ~ spec['item'] ~ " names") %}
    {% elif spec.get('choices') %}
      {% for item in value if item not in spec['choices'] %}
        {% do problems.append("var " ~ name ~ " names an unknown " ~ spec['item'] ~ " '" ~ item ~ "'; known: " ~ spec['choices'] | join(', ')) %}
      {% endfor %}
    {% endif %}
  {% elif spec['type'] == 'map' %}
    {% set keys = spec['keys'] | map('string') | list %}
    {% if value is not mapping %}
      {% do problems.append("var " ~ name ~ " = " ~ (value | tojson) ~ " must be a mapping of " ~ keys | join(', ') ~ " to values") %}
    {% else %}
      {% for key in value if (key | string) not in keys %}
        {% do problems.append("var " ~ name ~ " has key '" ~ key ~ "'; keys must be among: " ~ keys | join(', ')) %}
      {% endfor %}
      {% if spec.get('required_keys') %}
        {% set given = value.keys() | map('string') | list %}
        {% for key in keys if key not in given %}
          {% do problems.append("var " ~ name ~ " lacks key '" ~ key ~ "'; it must map each of: " ~ keys | join(', ')) %}
        {% endfor %}
      {% endif %}
      {% for key, item in value.items() if (key | string) in keys %}
        {% set problem = knob_scalar_problem(name ~ "[" ~ key ~ "]", item, spec['values']) %}
        {% if problem %}{% do problems.append(problem) %}{% endif %}
      {% endfor %}
    {% endif %}
  {% else %}
    {% set problem = knob_scalar_problem(name, value, spec) %}
    {% if problem %}{% do problems.append(problem) %}{% endif %}
  {% endif %}
  {{ return(problems) }}
{% endmacro %}

{% macro validate_vars() %}
  {% set problems = [] %}
  {% for name, spec in knob_specs().items() %}
    {% for problem in knob_problems(name, var(name), spec) %}
      {% do problems.append(problem ~ " (" ~ spec['why'] ~ ")") %}
    {% endfor %}
  {% endfor %}

  {#- Checks that relate two vars. -#}
  {% set bands, rows = var('near_dedup_bands'), var('near_dedup_rows') %}
  {% if (bands is none) != (rows is none) %}
    {% do problems.append("vars near_dedup_bands and near_dedup_rows must be set together or both left empty (empty derives them from num_perm and threshold)") %}
  {% elif _is_integer(bands) and _is_integer(rows) and _is_integer(var('near_dedup_num_perm')) and bands * rows > var('near_dedup_num_perm') %}
    {% do problems.append("vars near_dedup_bands x near_dedup_rows = " ~ bands ~ " x " ~ rows ~ " = " ~ bands * rows
        ~ " do not fit into near_dedup_num_perm = " ~ var('near_dedup_num_perm') ~ " permutations: bands x rows must be at most num_perm") %}
  {% endif %}

  {% for low_name, high_name in [('gopher_min_words', 'gopher_max_words'), ('gopher_min_mean_word_length', 'gopher_max_mean_word_length')] %}
    {% if _is_finite(var(low_name)) and _is_finite(var(high_name)) and var(low_name) > var(high_name) %}
      {% do problems.append("vars " ~ low_name ~ " = " ~ var(low_name) ~ " and " ~ high_name ~ " = " ~ var(high_name) ~ ": the minimum must not exceed the maximum") %}
    {% endif %}
  {% endfor %}

  {% if problems %}
    {{ exceptions.raise_compiler_error(
        "winnow: bad vars (dbt_project.yml or --vars), nothing was built:\n  - " ~ problems | join("\n  - ")) }}
  {% endif %}
  {{ return("select 'vars are valid' as winnow_vars") }}
{% endmacro %}
