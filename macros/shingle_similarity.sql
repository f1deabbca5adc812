{#- The near-dedup shingle unit of a document of the given kind (SQL expression over a kind column):
    vars near_dedup_shingle_unit_code / _text / _docs. -#}
{% macro shingle_unit(kind_column) -%}
    case {{ kind_column }}
        when 'text' then '{{ var("near_dedup_shingle_unit_text") }}'
        when 'docs' then '{{ var("near_dedup_shingle_unit_docs") }}'
        else '{{ var("near_dedup_shingle_unit_code") }}'
    end
{%- endmacro %}

{#- Exact Jaccard similarity of two files' shingle sets, with the near-dedup shingling vars; each
    side shingled with the unit of its kind (code when no kind column is given). -#}
{% macro shingle_similarity(left_content, right_content, left_kind='null', right_kind='null') -%}
    winnow_shingle_jaccard(
        {{ left_content }},
        {{ right_content }},
        {{ var('near_dedup_shingle_size') }},
        '{{ var("near_dedup_shingle_hash") }}',
        {{ shingle_unit(left_kind) }},
        {{ shingle_unit(right_kind) }}
    )
{%- endmacro %}
