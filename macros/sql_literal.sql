{#-
  The one way a value reaches SQL: as a quoted literal or a quoted identifier, never pasted.
  Seed values (source names, globs, mixture names, benchmark paths and fields) and string or
  list vars are user text; a quote in them must stay data. dbt's default string_literal pastes
  the value between quotes unescaped (dbt-duckdb does not override it), so duckdb__string_literal
  below delegates here and every dbt.string_literal is safe too: do not escape before calling.
-#}

{#- A SQL string literal holding `value` exactly (single quotes doubled); none becomes a VARCHAR
    NULL, numbers their text. NUL is refused: not every engine or client keeps it in a string. -#}
{% macro sql_string(value) -%}
  {%- if value is none -%}
    {{ return('cast(null as ' ~ type_text() ~ ')') }}
  {%- endif -%}
  {%- set text = value | string -%}
  {%- if '\x00' in text -%}
    {#- Parsing must not raise (macros render then too): refuse when the SQL would run. -#}
    {%- if execute -%}
      {{ exceptions.raise_compiler_error(
          "The value " ~ (text | replace('\x00', '\\0') | tojson) ~ " contains a NUL character, which cannot reach SQL. "
          ~ "Remove it from the seed row or var that holds it.") }}
    {%- endif -%}
    {%- set text = text | replace('\x00', '') -%}
  {%- endif -%}
  {{ return(adapter.dispatch('quoted_string', 'winnow')(text)) }}
{%- endmacro %}

{% macro duckdb__quoted_string(text) -%}
  {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{%- endmacro %}

{#- Spark reads literals verbatim (spark.sql.parser.escapedStringLiterals, set by the profile, so
    a regex's backslashes mean what they mean on DuckDB) and has no '' escape: a literal takes
    the quote its text lacks, or is concatenated from pieces that each lack one. -#}
{% macro spark__quoted_string(text) -%}
  {%- if "'" not in text -%}
    {{ return("'" ~ text ~ "'") }}
  {%- elif '"' not in text -%}
    {{ return('"' ~ text ~ '"') }}
  {%- endif -%}
  {%- set pieces = [] -%}
  {%- for piece in text.split("'") -%}
    {%- do pieces.append("'" ~ piece ~ "'") -%}
  {%- endfor -%}
  {{ return("concat(" ~ pieces | join(", \"'\", ") ~ ")") }}
{%- endmacro %}

{#- Comma-separated string literals, for `x in ({{ sql_string_list(values) }})`. -#}
{% macro sql_string_list(values) -%}
  {%- set literals = [] -%}
  {%- for value in values -%}
    {%- do literals.append(sql_string(value)) -%}
  {%- endfor -%}
  {{ return(literals | join(', ')) }}
{%- endmacro %}

{#- A quoted SQL identifier (a column name from a Parquet file or a seed): double quotes doubled. -#}
{% macro sql_identifier(name) -%}
  {%- set text = name | string -%}
  {%- if '\x00' in text and execute -%}
    {{ exceptions.raise_compiler_error(
        "The name " ~ (text | replace('\x00', '\\0') | tojson) ~ " contains a NUL character, which cannot reach SQL.") }}
  {%- endif -%}
  {{ return(adapter.dispatch('quoted_identifier', 'winnow')(text | replace('\x00', ''))) }}
{%- endmacro %}

{% macro duckdb__quoted_identifier(text) -%}
  {{ return('"' ~ text | replace('"', '""') ~ '"') }}
{%- endmacro %}

{% macro spark__quoted_identifier(text) -%}
  {{ return('`' ~ text | replace('`', '``') ~ '`') }}
{%- endmacro %}

{#- dbt.string_literal on DuckDB: the same literal as sql_string. -#}
{% macro duckdb__string_literal(value) -%}
  {{ return(sql_string(value)) }}
{%- endmacro %}
