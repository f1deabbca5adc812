{#- The near-dedup shingle unit of a document of the given kind (SQL expression over a kind column):
    vars near_dedup_shingle_unit_code / _text / _docs. -#}
{% macro shingle_unit(kind_column) -%}
    case {{ kind_column }}
        when 'text' then {{ sql_string(var("near_dedup_shingle_unit_text")) }}
        when 'docs' then {{ sql_string(var("near_dedup_shingle_unit_docs")) }}
        else {{ sql_string(var("near_dedup_shingle_unit_code")) }}
    end
{%- endmacro %}
