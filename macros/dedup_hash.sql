{#-
  Exact dedup's key of `column`: the hex SHA-256 of the text normalised per var
  exact_dedup_normalisation (none, strip_trailing_whitespace, collapse_whitespace (the default),
  remove_whitespace), computed by the winnow_dedup_hash kernel (python_udfs/kernels/exact_dedup.py,
  where each normalisation is defined), the same on both engines.
-#}
{% macro dedup_hash(column) -%}
  {%- set mode = var('exact_dedup_normalisation') -%}
  {%- if mode in knob_specs()['exact_dedup_normalisation']['choices'] -%}
    winnow_dedup_hash({{ column }}, {{ sql_string(mode) }})
  {%- elif execute -%}
    {#- Not at parse time: validate_vars reports it with every other bad var first. -#}
    {{ exceptions.raise_compiler_error(
        "var exact_dedup_normalisation = '" ~ mode ~ "' is not one of: "
        ~ knob_specs()['exact_dedup_normalisation']['choices'] | join(', ') ~ ". Set it in dbt_project.yml or with --vars.") }}
  {%- endif -%}
{%- endmacro %}
