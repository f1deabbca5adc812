{#-
  SPDX-License-Identifier headers in a file's own text (SPDX 2.3 Annex E, "Using SPDX short
  identifiers in source files"; REUSE 3.0). The duckdb__ and spark__ forms are plain SQL, no dbt
  context, so tests can render them.
-#}

{% macro spdx_header_expression(content, scan_lines) -%}
  {{ return(adapter.dispatch('spdx_header_expression', 'winnow')(content, scan_lines)) }}
{%- endmacro %}

{% macro spdx_expression_alternatives(expression) -%}
  {{ return(adapter.dispatch('spdx_expression_alternatives', 'winnow')(expression)) }}
{%- endmacro %}

{% macro duckdb__spdx_header_expression(content, scan_lines) -%}
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

{% macro duckdb__spdx_expression_alternatives(expression) -%}
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

{#- Spark: the same values in Java's regex dialect (explicit group 0; \z, as Java's $ also matches
    before a final line break) and Spark's list functions. -#}
{% macro spark__spdx_header_expression(content, scan_lines) -%}
  {%- if scan_lines | int > 0 -%}
  nullif(regexp_replace(regexp_extract(
      regexp_replace(
          regexp_extract({{ content }},
              '^(?:[^\n]*\n){0,{{ scan_lines | int - 1 }}}?[ \t]*(?:(?:#+|//+|/\*+|\*+|--|;+|%+|<!--|\.\.)[ \t]*)*SPDX-License-Identifier:[ \t]*([^\r\n]*)', 1),
          '(?:\*/|-->)[^\n]*\z', ''),
      '^[A-Za-z0-9.+:()\-]+(?:[ \t]+[A-Za-z0-9.+:()\-]+)*', 0), '[ \t]+', ' '), '')
  {%- else -%}
  cast(null as string)
  {%- endif -%}
{%- endmacro %}

{% macro spark__spdx_expression_alternatives(expression) -%}
  array_sort(filter(array_distinct(filter(transform(
      case
          when regexp_like(trim({{ expression }}), '^(?:\([^()]*\)|[^()]*)\z')
              then split(trim(both '() ' from {{ expression }}), '[\t\n\f\r ]+(?i:OR)[\t\n\f\r ]+')
          else array(regexp_replace({{ expression }}, '[()]', ' '))
      end,
      alternative -> array_sort(array_distinct(filter(
          transform(
              split(trim(alternative), '[\t\n\f\r ]+(?i:AND|OR)[\t\n\f\r ]+'),
              term -> trim(regexp_replace(term, '[\t\n\f\r ]+(?i:WITH)[\t\n\f\r ]+[^\n]*\z', ''))),
          id -> id != '')))
  ), alternative -> alternative is not null)), alternative -> size(alternative) > 0))
{%- endmacro %}
