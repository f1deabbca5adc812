{#-
  Content as exact dedup compares it, per var exact_dedup_normalisation:
    none                       the exact text
    strip_trailing_whitespace  trailing spaces/tabs removed from every line
    collapse_whitespace        every run of whitespace becomes one space, ends trimmed (default)
    remove_whitespace          all whitespace removed: codeparrot-clean's own hash
-#}
{% macro normalised_for_dedup(column) -%}
  {%- set mode = var('exact_dedup_normalisation') -%}
  {%- if mode == 'none' -%}
    {{ column }}
  {%- elif mode == 'strip_trailing_whitespace' -%}
    {{ regexp_replace_all(column, "'[ \\t\\r\\f" ~ regex_vertical_tab() ~ "]+(\\n|" ~ regex_end_of_text() ~ ")'", "'" ~ regex_group_reference(1) ~ "'") }}
  {%- elif mode == 'collapse_whitespace' -%}
    trim({{ regexp_replace_all(column, "'" ~ regex_space() ~ "+'", "' '") }})
  {%- elif mode == 'remove_whitespace' -%}
    {{ regexp_replace_all(column, "'" ~ regex_space() ~ "+'", "''") }}
  {%- elif execute -%}
    {#- Not at parse time: validate_vars reports it with every other bad var first. -#}
    {{ exceptions.raise_compiler_error(
        "var exact_dedup_normalisation = '" ~ mode ~ "' is not one of: "
        ~ knob_specs()['exact_dedup_normalisation']['choices'] | join(', ') ~ ". Set it in dbt_project.yml or with --vars.") }}
  {%- endif -%}
{%- endmacro %}
