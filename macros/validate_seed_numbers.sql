{#-
  Checks every number of the seeds that size a build (seeds/mixtures.csv, mixture_score_buckets.csv,
  corpus_sources.csv)
  before any model runs (on-run-start), reading the CSV files themselves: `dbt build` loads the
  seeds after this hook, and a bad number must stop it before the stages it would make run for
  hours or without bound (1e9 epochs copy every file 1e9 times in fct_mixture). Empty cells are
  left to the structural checks of the validated_mixtures macro. All problems at once, one line
  each, naming the file, the row and the column.
-#}

{#- The most epochs a mixture may plan for a source, from its row or from its weight, temperature
    or total_tokens (int_mixture_sources_planned checks those). Muennighoff et al. 2023 find that
    repeated tokens lose almost all their value after about 16 epochs; 100 leaves room for any
    recipe and bounds fct_mixture to 100 copies of every file. -#}
{% macro mixture_epochs_limit() %}
  {{ return(100) }}
{% endmacro %}

{#- file: {column: (kind, low, high, why)}; the columns the seed loads as numbers. -#}
{% macro seed_number_bounds() %}
  {% set epochs = ('number', 0, mixture_epochs_limit(), 'at most ' ~ mixture_epochs_limit()
      ~ ': repeats past about 16 epochs add almost nothing (Muennighoff et al. 2023), and each epoch is one more copy of every file') %}
  {% set weight = ('number', 0, 1, 'a share of the mixture\'s tokens') %}
  {{ return({
      'mixtures': {
          'weight': weight,
          'epochs': epochs,
          'temperature': ('number', 0.05, 100, 'at least 0.05, so that tokens^(1/temperature) stays a finite double for sources of up to 10^15 tokens; at most 100, where every share is uniform within a factor 1.5 already'),
          'total_tokens': ('integer', 1, 1000000000000000, 'at most 10^15, sixty times the largest published pretraining runs'),
          'fim_rate': ('number', 0, 1, 'a probability'),
          'fim_spm_rate': ('number', 0, 1, 'a probability'),
      },
      'mixture_score_buckets': {
          'min_score': ('integer', 0, 5, 'a score of the 0-5 educational-value scale (Stack-Edu, FineWeb-Edu)'),
          'repeats': epochs,
      },
      'corpus_sources': {
          'weight': weight,
          'epochs': epochs,
          'tier': ('integer', 1, 2147483647, 'an INTEGER, 1 = most trusted'),
      },
  }) }}
{% endmacro %}

{% macro validate_seed_numbers() %}
  {% if not execute %}{{ return("select 'seeds are valid' as winnow_seeds") }}{% endif %}
  {% set root = flags.PROJECT_DIR or '.' %}
  {% set problems = [] %}
  {% for seed, bounds in seed_number_bounds().items() %}
    {% set path = root ~ '/seeds/' ~ seed ~ '.csv' %}
    {% set csv = csv_relation(path) %}
    {% set header = run_query("select * from " ~ csv ~ " limit 0").column_names %}
    {% set row_name = "'mixture ''' || mixture || ''', source ''' || source || ''''" if seed in ('mixtures', 'mixture_score_buckets')
        else "'source ''' || source_name || ''''" %}
    {% for column, (kind, low, high, why) in bounds.items() if column in header %}
      {#- NaN and infinities stay in SQL: agate turns them into Decimals that raise on arithmetic. -#}
      {% set cells = run_query(
          "select " ~ row_name ~ ", " ~ column ~ ", case when " ~ is_finite('number') ~ " then number end from ("
          ~ "select *, try_cast(trim(" ~ column ~ ") as double) as number from " ~ csv
          ~ " where nullif(trim(" ~ column ~ "), '') is not null)") %}
      {% for row_name, text, value in cells.rows %}
        {% set where = "seeds/" ~ seed ~ ".csv, " ~ row_name ~ ": " ~ column ~ " = " ~ text | trim %}
        {% if value is none %}
          {% do problems.append(where ~ " must be a finite number (" ~ why ~ ")") %}
        {% elif kind == 'integer' and value != (value | round) %}
          {% do problems.append(where ~ " must be a whole number (" ~ why ~ ")") %}
        {% elif not (value >= low and value <= high) %}
          {% do problems.append(where ~ " must be between " ~ low ~ " and " ~ high ~ " (" ~ why ~ ")") %}
        {% endif %}
      {% endfor %}
    {% endfor %}
  {% endfor %}
  {% if problems %}
    {{ exceptions.raise_compiler_error("winnow: bad numbers in the seeds, nothing was built: " ~ problems | length
        ~ " problem(s):\n  - " ~ problems | join("\n  - ")) }}
  {% endif %}
  {{ return("select 'seeds are valid' as winnow_seeds") }}
{% endmacro %}
