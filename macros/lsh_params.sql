{#-
  The LSH banding of near dedup as [bands, rows]: the vars near_dedup_bands and near_dedup_rows
  when both are set, else the pair that minimises the weighted false-positive + false-negative
  area for near_dedup_threshold and near_dedup_num_perm (python_udfs.kernels.minhash.optimal_lsh_params,
  checked against datasketch). Stops with a message naming the var when the values cannot work.
-#}
{% macro lsh_params() %}
  {#- Parsing needs no values; validate_vars reports bad vars with all the others at run start. -#}
  {% if not execute %}{{ return([1, 1]) }}{% endif %}
  {% set num_perm = var('near_dedup_num_perm') | int %}
  {% set threshold = var('near_dedup_threshold') | float %}
  {% if num_perm < 2 %}
    {{ exceptions.raise_compiler_error("var near_dedup_num_perm = " ~ num_perm ~ " must be at least 2 (BigCode uses 256).") }}
  {% endif %}
  {% if threshold <= 0 or threshold >= 1 %}
    {{ exceptions.raise_compiler_error("var near_dedup_threshold = " ~ threshold ~ " must be between 0 and 1 (BigCode uses 0.7).") }}
  {% endif %}
  {% set bands = var('near_dedup_bands') %}
  {% set rows = var('near_dedup_rows') %}
  {% if bands is not none and rows is not none and bands != '' and rows != '' %}
    {% set bands = bands | int %}
    {% set rows = rows | int %}
    {% if bands < 1 or rows < 1 or bands * rows > num_perm %}
      {{ exceptions.raise_compiler_error(
          "vars near_dedup_bands x near_dedup_rows = " ~ bands ~ " x " ~ rows ~ " must be positive and use at most "
          ~ "near_dedup_num_perm = " ~ num_perm ~ " permutations. Leave both empty to derive them.") }}
    {% endif %}
    {{ return([bands, rows]) }}
  {% endif %}
  {% set result = run_query("select unnest(winnow_optimal_lsh_params(" ~ threshold ~ ", " ~ num_perm ~ "))") %}
  {% set values = result.columns[0].values() | list %}
  {{ return([values[0] | int, values[1] | int]) }}
{% endmacro %}
