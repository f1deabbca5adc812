{#-
  The checks of the text and docs vars (dbt_project.yml, "Text and docs sources"), called by
  validate_vars, which reports every problem at once. Appends to `problems`.
-#}
{% macro validate_text_vars(problems) %}
  {#- name: (kind, lower bound, upper bound, why) -#}
  {% set text_max = longest_text() %}
  {% set text_why = "; at most 4 GiB, DuckDB's longest string" %}
  {% set numeric = {
      'gopher_min_words': ('integer', 0, text_max, 'Gopher: 50' ~ text_why),
      'gopher_max_words': ('integer', 1, text_max, 'Gopher: 100000' ~ text_why),
      'gopher_min_mean_word_length': ('number', 0, text_max, 'Gopher: 3' ~ text_why),
      'gopher_max_mean_word_length': ('number', 0, text_max, 'Gopher: 10' ~ text_why),
      'gopher_max_symbol_word_ratio': ('number', 0, text_max, 'Gopher: 0.1' ~ text_why),
      'gopher_max_bullet_line_fraction': ('number', 0, 1, 'Gopher: 0.9'),
      'gopher_max_ellipsis_line_fraction': ('number', 0, 1, 'Gopher: 0.3'),
      'gopher_min_alphabetic_word_fraction': ('number', 0, 1, 'Gopher: 0.8'),
      'gopher_min_stop_words': ('integer', 0, text_max, 'Gopher: 2' ~ text_why),
      'gopher_max_duplicate_line_fraction': ('number', 0, 1, 'Gopher: 0.3'),
      'gopher_max_duplicate_paragraph_fraction': ('number', 0, 1, 'Gopher: 0.3'),
      'gopher_max_duplicate_line_char_fraction': ('number', 0, 1, 'Gopher: 0.2'),
      'gopher_max_duplicate_paragraph_char_fraction': ('number', 0, 1, 'Gopher: 0.2'),
      'c4_min_terminal_punct_fraction': ('number', 0, 1, 'FineWeb: 0.12'),
      'c4_max_boilerplate_line_fraction': ('number', 0, 1, 'default 0.3'),
      'min_edu_int_score': ('integer', 0, 5, 'FineWeb-Edu: 3'),
  } %}
  {% do check_numeric_vars(numeric, problems) %}

  {% for low_name, high_name in [('gopher_min_words', 'gopher_max_words'), ('gopher_min_mean_word_length', 'gopher_max_mean_word_length')] %}
    {% if _is_number(var(low_name)) and _is_number(var(high_name)) and var(low_name) > var(high_name) %}
      {% do problems.append("vars " ~ low_name ~ " = " ~ var(low_name) ~ " and " ~ high_name ~ " = " ~ var(high_name) ~ ": the minimum must not exceed the maximum") %}
    {% endif %}
  {% endfor %}

  {#- n-gram thresholds: the prose UDF measures Gopher's n-grams (top 2..4, duplicated 5..10). -#}
  {% for name, sizes, why in [
      ('gopher_max_top_ngram_char_fraction', [2, 3, 4], 'Gopher: {2: 0.20, 3: 0.18, 4: 0.16}'),
      ('gopher_max_duplicate_ngram_char_fraction', [5, 6, 7, 8, 9, 10], 'Gopher: {5: 0.15, 6: 0.14, ..., 10: 0.10}')] %}
    {% set value = var(name) %}
    {% if value is not mapping %}
      {% do problems.append("var " ~ name ~ " = " ~ (value | tojson) ~ " must be a mapping of n to a fraction (" ~ why ~ ")") %}
    {% else %}
      {% for n, limit in value.items() %}
        {% if (n | string) not in (sizes | map('string') | list) %}
          {% do problems.append("var " ~ name ~ " has n = " ~ n ~ "; n must be one of " ~ sizes | join(', ') ~ " (" ~ why ~ ")") %}
        {% elif not (_is_finite(limit) and limit >= 0 and limit <= 1) %}
          {% do problems.append("var " ~ name ~ "[" ~ n ~ "] = " ~ (limit | tojson) ~ " must be a number between 0 and 1 (" ~ why ~ ")") %}
        {% endif %}
      {% endfor %}
    {% endif %}
  {% endfor %}

  {% set units = var('c4_terminal_punct_unit') %}
  {% if units is not mapping %}
    {% do problems.append("var c4_terminal_punct_unit = " ~ (units | tojson) ~ " must map kinds text and docs to line or paragraph, e.g. {text: line, docs: paragraph}") %}
  {% else %}
    {% for kind, unit in units.items() if kind not in ['text', 'docs'] or unit not in ['line', 'paragraph'] %}
      {% do problems.append("var c4_terminal_punct_unit maps '" ~ kind ~ "' to '" ~ unit ~ "': kinds are text and docs, units line and paragraph") %}
    {% endfor %}
  {% endif %}

  {% for name in ['c4_filter_lorem_ipsum', 'url_dedup'] if var(name) is not boolean %}
    {% do problems.append("var " ~ name ~ " = " ~ (var(name) | tojson) ~ " must be true or false") %}
  {% endfor %}

  {% for kind in ['code', 'text', 'docs'] %}
    {% set name = 'near_dedup_shingle_unit_' ~ kind %}
    {% if var(name) not in ['code_tokens', 'words'] %}
      {% do problems.append("var " ~ name ~ " = " ~ (var(name) | tojson) ~ " is not one of: code_tokens, words") %}
    {% endif %}
  {% endfor %}

  {% for name in ['docs_language_allow_list', 'text_language_allow_list'] if not _is_string_list(var(name)) %}
    {% do problems.append("var " ~ name ~ " = " ~ (var(name) | tojson) ~ " must be a list of language names (empty: any language)") %}
  {% endfor %}
{% endmacro %}
