{#-
  The PII policy as the JSON winnow_redact_pii takes (python_udfs.kernels.pii.PiiPolicy), from the vars
  pii_placeholders, pii_example_domains, pii_ip_allow_list, pii_keyword_min_entropy and
  pii_keyword_min_length (validate_vars has checked each against knobs.yml before any model runs).
-#}
{% macro pii_policy_json() %}
  {{ return(tojson({
      'placeholders': var('pii_placeholders'),
      'example_domains': var('pii_example_domains'),
      'ip_allow_list': var('pii_ip_allow_list'),
      'keyword_min_entropy': var('pii_keyword_min_entropy') | float,
      'keyword_min_length': var('pii_keyword_min_length') | int,
  })) }}
{% endmacro %}
