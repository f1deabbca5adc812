{#- Exact Jaccard similarity of two files' shingle sets, with the near-dedup shingling vars. -#}
{% macro shingle_similarity(left_content, right_content) -%}
    winnow_shingle_jaccard(
        {{ left_content }},
        {{ right_content }},
        {{ var('near_dedup_shingle_size') }},
        '{{ var("near_dedup_shingle_hash") }}'
    )
{%- endmacro %}
