{#- The stages of the ledger in pipeline order, as a VALUES table (stage, stage_order). -#}
{% macro pipeline_stages() -%}
    (values
        ('raw', 0),
        ('staging', 1),
        ('license', 2),
        ('quality', 3),
        ('url_dedup', 4),
        ('exact_dedup', 5),
        ('near_dedup', 6),
        ('boilerplate', 7),
        ('pii', 8),
        ('decontamination', 9)
    ) as pipeline_stages(stage, stage_order)
{%- endmacro %}
