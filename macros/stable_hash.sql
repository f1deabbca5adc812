{#-
  The only way winnow hashes what it keeps in SQL: the first 16 hex digits (64 bits) of SHA-256
  over the arguments joined with a unit separator, NULL spelled out so (NULL, 'a') and ('a', NULL)
  differ.
  SHA-256 is specified and identical on every engine, unlike DuckDB's hash().
  stable_hash_int gives the same 64 bits... as a UBIGINT for arithmetic (sampling, FIM rates).
-#}
{% macro stable_hash(args) -%}
  {%- if args is string %}{% set args = [args] %}{% endif -%}
  {{ return(adapter.dispatch('stable_hash', 'winnow')(args)) }}
{%- endmacro %}

{% macro duckdb__stable_hash(args) -%}
  substr(sha256(concat_ws(chr(31){% for arg in args %}, coalesce(cast({{ arg }} as varchar), chr(0)){% endfor %})), 1, 16)
{%- endmacro %}

{#- Spark: the same digest (sha2 of the same UTF-8 bytes), the same text of every value cast to string. -#}
{% macro spark__stable_hash(args) -%}
  substr(sha2(concat_ws(chr(31){% for arg in args %}, coalesce(cast({{ arg }} as string), chr(0)){% endfor %}), 256), 1, 16)
{%- endmacro %}

{% macro stable_hash_int(args) -%}
  {{ return(adapter.dispatch('stable_hash_int', 'winnow')(args)) }}
{%- endmacro %}

{% macro duckdb__stable_hash_int(args) -%}
  cast(('0x' || {{ stable_hash(args) }}) as ubigint)
{%- endmacro %}

{#- Spark has no unsigned 64-bit integer: the same value as an exact decimal. -#}
{% macro spark__stable_hash_int(args) -%}
  cast(conv({{ stable_hash(args) }}, 16, 10) as decimal(20, 0))
{%- endmacro %}

{#- A uniform draw in [0, 1) from stable_hash_int: top 53 bits, so the double is exact. -#}
{% macro stable_uniform(args) -%}
  {{ return(adapter.dispatch('stable_uniform', 'winnow')(args)) }}
{%- endmacro %}

{% macro duckdb__stable_uniform(args) -%}
  (cast({{ stable_hash_int(args) }} >> 11 as double) / 9007199254740992.0)
{%- endmacro %}

{#- The same top 53 bits: the first 14 hex digits (56 bits) shifted right by 3. -#}
{% macro spark__stable_uniform(args) -%}
  (cast(shiftright(cast(conv(substr({{ stable_hash(args) }}, 1, 14), 16, 10) as bigint), 3) as double) / 9007199254740992.0)
{%- endmacro %}
