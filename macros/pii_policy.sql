{#-
  The PII policy as the JSON winnow_redact_pii takes (python_udfs.kernels.pii.PiiPolicy), from the vars
  pii_placeholders, pii_example_domains, pii_ip_allow_list, pii_keyword_min_entropy and
  pii_keyword_min_length. Stops with a message naming the var when a value cannot work.
-#}
{% macro pii_policy_json() %}
  {% set kinds = ['email', 'ip_address', 'key', 'password'] %}
  {% set placeholders = var('pii_placeholders') %}
  {% if placeholders is not mapping or (placeholders.keys() | list | sort) != kinds %}
    {{ exceptions.raise_compiler_error(
        "var pii_placeholders = " ~ placeholders ~ " must map exactly the kinds " ~ kinds | join(', ')
        ~ " to their placeholder text, e.g. {email: '<EMAIL>', ip_address: '<IP_ADDRESS>', key: '<KEY>', password: '<PASSWORD>'}.") }}
  {% endif %}
  {% for kind in kinds %}
    {% if placeholders[kind] is not string %}
      {{ exceptions.raise_compiler_error("var pii_placeholders: the placeholder for " ~ kind ~ " must be a string.") }}
    {% endif %}
  {% endfor %}
  {% for name in ['pii_example_domains', 'pii_ip_allow_list'] %}
    {% set values = var(name) %}
    {% if values is string or values is mapping or values is not iterable %}
      {{ exceptions.raise_compiler_error("var " ~ name ~ " = " ~ values ~ " must be a list of strings (it may be empty: []).") }}
    {% endif %}
  {% endfor %}
  {% set entropy = var('pii_keyword_min_entropy') | float(-1) %}
  {% if entropy < 0 or entropy > 8 %}
    {{ exceptions.raise_compiler_error(
        "var pii_keyword_min_entropy = " ~ var('pii_keyword_min_entropy') ~ " must be a number of bits per character between 0 and 8 (default 3.0, detect-secrets' hex limit).") }}
  {% endif %}
  {% set min_length = var('pii_keyword_min_length') | int(-1) %}
  {% if min_length < 1 %}
    {{ exceptions.raise_compiler_error(
        "var pii_keyword_min_length = " ~ var('pii_keyword_min_length') ~ " must be a positive integer (default 8).") }}
  {% endif %}
  {{ return(tojson({
      'placeholders': placeholders,
      'example_domains': var('pii_example_domains') | list,
      'ip_allow_list': var('pii_ip_allow_list') | list,
      'keyword_min_entropy': entropy,
      'keyword_min_length': min_length,
  })) }}
{% endmacro %}
