{#- The stages of the ledger in pipeline order, as a VALUES table (stage, stage_order). -#}
{% macro pipeline_stages() -%}
    (values
        ('raw', 0),
        ('staging', 1),
        ('license', 2),
        ('quality', 3),
        ('exact_dedup', 4),
        ('near_dedup', 5),
        ('pii', 6),
        ('decontamination', 7)
    ) as pipeline_stages(stage, stage_order)
{%- endmacro %}
