{#-
  The LSH banding of near dedup as [bands, rows]: the vars near_dedup_bands and near_dedup_rows
  when both are set, else the pair that minimises the weighted false-positive + false-negative
  area for near_dedup_threshold and near_dedup_num_perm (python_udfs.kernels.minhash.optimal_lsh_params,
  checked against datasketch). validate_vars has checked the vars against knobs.yml, bands x rows
  against num_perm too.
-#}
{% macro lsh_params() %}
  {#- Parsing needs no values. -#}
  {% if not execute %}{{ return([1, 1]) }}{% endif %}
  {% set num_perm = var('near_dedup_num_perm') | int %}
  {% set threshold = var('near_dedup_threshold') | float %}
  {% if var('near_dedup_bands') is not none %}
    {{ return([var('near_dedup_bands') | int, var('near_dedup_rows') | int]) }}
  {% endif %}
  {% set result = run_query("select " ~ unnest_list("winnow_optimal_lsh_params(cast(" ~ threshold ~ " as double), cast(" ~ num_perm ~ " as integer))")) %}
  {% set values = result.columns[0].values() | list %}
  {{ return([values[0] | int, values[1] | int]) }}
{% endmacro %}
