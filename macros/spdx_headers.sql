{#-
  SPDX-License-Identifier headers in a file's own text (SPDX 2.3 Annex E, "Using SPDX short
  identifiers in source files"; REUSE 3.0). Plain SQL, no dbt context, so tests can render them.
-#}

{% macro spdx_header_expression(content, scan_lines) -%}
  {#- The license expression of the first 'SPDX-License-Identifier:' tag in the first scan_lines
      lines (0: none), NULL when there is none. The tag starts a line, after whitespace and comment
      leaders (#, //, /*, *, --, ;, %, <!--, ..), so prose or a string that mentions it does not
      count; a closing */ or --> and anything that cannot be part of an expression end it, and
      runs of blanks inside it become one space. -#}
  {%- if scan_lines | int > 0 -%}
  nullif(regexp_replace(regexp_extract(
      regexp_replace(
          regexp_extract({{ content }},
              '^(?:[^\n]*\n){0,{{ scan_lines | int - 1 }}}?[ \t]*(?:(?:#+|//+|/\*+|\*+|--|;+|%+|<!--|\.\.)[ \t]*)*SPDX-License-Identifier:[ \t]*([^\r\n]*)', 1),
          '(?:\*/|-->).*$', ''),
      '^[A-Za-z0-9.+:()\-]+(?:[ \t]+[A-Za-z0-9.+:()\-]+)*'), '[ \t]+', ' ', 'g'), '')
  {%- else -%}
  cast(null as varchar)
  {%- endif -%}
{%- endmacro %}

{% macro spdx_expression_alternatives(expression) -%}
  {#- An SPDX license expression as its alternatives, each a sorted list of license ids that all
      apply. OR separates alternatives (the licensee may choose any one), AND joins licenses that
      all apply, WITH adds an exception to the license before it (left out: an exception only
      grants more). Parentheses around the whole expression are dropped; an expression with any
      other parentheses is read as one alternative of all its ids, the strictest reading.
      Operators match in either case, as SPDX 2.3 Annex D allows. -#}
  list_sort(list_filter(list_distinct(list_transform(
      case
          when regexp_full_match(trim({{ expression }}), '\([^()]*\)|[^()]*')
              then string_split_regex(trim({{ expression }}, '() '), '\s+(?i:OR)\s+')
          else [regexp_replace({{ expression }}, '[()]', ' ', 'g')]
      end,
      lambda alternative: list_sort(list_distinct(list_filter(
          list_transform(
              string_split_regex(trim(alternative), '\s+(?i:AND|OR)\s+'),
              lambda term: trim(regexp_replace(term, '\s+(?i:WITH)\s+.*$', ''))),
          lambda id: id != '')))
  )), lambda alternative: len(alternative) > 0))
{%- endmacro %}
