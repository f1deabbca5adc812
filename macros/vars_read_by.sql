{#- The knobs model `model_name` reads (knobs.yml read_by, via knob_specs()) by name with their
    values, leaving out the log-only ones: what a cache of that model fingerprints, so that changing
    any of them recomputes it and changing any other var does not. -#}
{% macro vars_read_by(model_name) %}
  {% set values = {} %}
  {% for name, spec in knob_specs().items() if model_name in spec['read_by'] and not spec.get('log_only') %}
    {% do values.update({name: var(name)}) %}
  {% endfor %}
  {{ return(values) }}
{% endmacro %}
