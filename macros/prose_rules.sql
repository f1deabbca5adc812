{#-
  The prose quality rules (kinds text and docs), in FineWeb's order: language, Gopher repetition,
  Gopher quality, C4, then the FineWeb-Edu score. Each returns the same verdict struct as the
  code rules of int_files_filtered: stage, rule (reason code), measured value, threshold, detail.
  Signals come from int_prose_signals_cache; every threshold is a var (dbt_project.yml, "Prose quality").
-#}

{#- A verdict of int_files_filtered: the struct (stage, rule, value, threshold, detail) every rule
    gives, typed the same in every branch (double, double, text). Arguments are SQL expressions;
    stage and rule are names, quoted here. -#}
{% macro filter_verdict(stage, rule, value='null', threshold='null', detail='null') -%}
  {{ return(struct_of([
      ['stage', sql_string(stage)],
      ['rule', sql_string(rule)],
      ['value', cast_as(value, 'double')],
      ['threshold', cast_as(threshold, 'double')],
      ['detail', cast_as(detail, type_text())],
  ])) }}
{%- endmacro %}

{% macro _prose_rule(condition, rule, value, threshold, detail=none) -%}
            when {{ condition }} then {{ filter_verdict('quality', rule, '(' ~ value ~ ')', '(' ~ threshold ~ ')',
                sql_string(detail) if detail is not none else 'null') }}
{%- endmacro %}

{% macro prose_quality_verdict() %}
  {%- set docs_languages = var('docs_language_allow_list') -%}
  {%- set text_languages = var('text_language_allow_list') -%}
  {#- A var of the wrong type must not break parsing: validate_vars reports it before any model runs. -#}
  {%- set units = var('c4_terminal_punct_unit') if var('c4_terminal_punct_unit') is mapping else {} -%}
  {%- set top_ngrams = var('gopher_max_top_ngram_char_fraction') if var('gopher_max_top_ngram_char_fraction') is mapping else {} -%}
  {%- set duplicate_ngrams = var('gopher_max_duplicate_ngram_char_fraction') if var('gopher_max_duplicate_ngram_char_fraction') is mapping else {} -%}
        case
            {%- if docs_languages | length > 0 %}
            when kind = 'docs' and language not in ({{ sql_string_list(docs_languages) }})
                then {{ filter_verdict('quality', 'language_not_allowed', detail='language') }}
            {%- endif %}
            {%- if text_languages | length > 0 %}
            when kind = 'text' and language not in ({{ sql_string_list(text_languages) }})
                then {{ filter_verdict('quality', 'language_not_allowed', detail='language') }}
            {%- endif %}
            {#- Gopher repetition (Rae et al. 2021, table A1) -#}
            {{ _prose_rule('duplicate_paragraph_fraction > ' ~ var('gopher_max_duplicate_paragraph_fraction'),
                'gopher_duplicate_paragraphs', 'duplicate_paragraph_fraction', var('gopher_max_duplicate_paragraph_fraction'),
                'fraction of paragraphs that repeat an earlier one') }}
            {{ _prose_rule('duplicate_paragraph_char_fraction > ' ~ var('gopher_max_duplicate_paragraph_char_fraction'),
                'gopher_duplicate_paragraph_chars', 'duplicate_paragraph_char_fraction', var('gopher_max_duplicate_paragraph_char_fraction'),
                'fraction of characters in repeated paragraphs') }}
            {{ _prose_rule('duplicate_line_fraction > ' ~ var('gopher_max_duplicate_line_fraction'),
                'gopher_duplicate_lines', 'duplicate_line_fraction', var('gopher_max_duplicate_line_fraction'),
                'fraction of lines that repeat an earlier one') }}
            {{ _prose_rule('duplicate_line_char_fraction > ' ~ var('gopher_max_duplicate_line_char_fraction'),
                'gopher_duplicate_line_chars', 'duplicate_line_char_fraction', var('gopher_max_duplicate_line_char_fraction'),
                'fraction of characters in repeated lines') }}
            {%- for n, limit in top_ngrams.items() | sort %}
            {{ _prose_rule('top_' ~ n ~ '_gram_char_fraction > ' ~ limit,
                'gopher_top_' ~ n ~ '_gram', 'top_' ~ n ~ '_gram_char_fraction', limit,
                'fraction of characters in the most frequent ' ~ n ~ '-gram') }}
            {%- endfor %}
            {%- for n, limit in duplicate_ngrams.items() | sort %}
            {{ _prose_rule('duplicate_' ~ n ~ '_gram_char_fraction > ' ~ limit,
                'gopher_duplicate_' ~ n ~ '_grams', 'duplicate_' ~ n ~ '_gram_char_fraction', limit,
                'fraction of characters in repeated ' ~ n ~ '-grams') }}
            {%- endfor %}
            {#- Gopher quality (Rae et al. 2021, appendix A) -#}
            {{ _prose_rule('n_words < ' ~ var('gopher_min_words'), 'gopher_too_few_words', 'n_words', var('gopher_min_words'), 'words') }}
            {{ _prose_rule('n_words > ' ~ var('gopher_max_words'), 'gopher_too_many_words', 'n_words', var('gopher_max_words'), 'words') }}
            {{ _prose_rule('mean_word_length < ' ~ var('gopher_min_mean_word_length'),
                'gopher_mean_word_length', 'mean_word_length', var('gopher_min_mean_word_length'), 'characters, below the minimum') }}
            {{ _prose_rule('mean_word_length > ' ~ var('gopher_max_mean_word_length'),
                'gopher_mean_word_length', 'mean_word_length', var('gopher_max_mean_word_length'), 'characters, above the maximum') }}
            {{ _prose_rule('hash_word_ratio > ' ~ var('gopher_max_symbol_word_ratio'),
                'gopher_symbol_word_ratio', 'hash_word_ratio', var('gopher_max_symbol_word_ratio'), "'#' per word") }}
            {{ _prose_rule('ellipsis_word_ratio > ' ~ var('gopher_max_symbol_word_ratio'),
                'gopher_symbol_word_ratio', 'ellipsis_word_ratio', var('gopher_max_symbol_word_ratio'), 'ellipses per word') }}
            {{ _prose_rule('bullet_line_fraction > ' ~ var('gopher_max_bullet_line_fraction'),
                'gopher_bullet_lines', 'bullet_line_fraction', var('gopher_max_bullet_line_fraction'), 'fraction of lines starting with a bullet') }}
            {{ _prose_rule('ellipsis_line_fraction > ' ~ var('gopher_max_ellipsis_line_fraction'),
                'gopher_ellipsis_lines', 'ellipsis_line_fraction', var('gopher_max_ellipsis_line_fraction'), 'fraction of lines ending with an ellipsis') }}
            {{ _prose_rule('alphabetic_word_fraction < ' ~ var('gopher_min_alphabetic_word_fraction'),
                'gopher_alphabetic_words', 'alphabetic_word_fraction', var('gopher_min_alphabetic_word_fraction'), 'fraction of words with a letter') }}
            {{ _prose_rule('n_stop_words < ' ~ var('gopher_min_stop_words'),
                'gopher_stop_words', 'n_stop_words', var('gopher_min_stop_words'), 'stop words: the, be, to, of, and, that, have, with') }}
            {#- C4 (Raffel et al. 2020), per document -#}
            {%- set c4_fraction -%}
                (case kind
                    {%- for kind, unit in units.items() | sort %}
                    when {{ sql_string(kind) }} then {{ 'terminal_punct_paragraph_fraction' if unit == 'paragraph' else 'terminal_punct_line_fraction' }}
                    {%- endfor %}
                    else terminal_punct_line_fraction end)
            {%- endset %}
            {%- set c4_detail -%}
                'fraction of ' || case kind
                    {%- for kind, unit in units.items() | sort %}
                    when {{ sql_string(kind) }} then {{ sql_string(unit ~ 's') }}
                    {%- endfor %}
                    else 'lines' end || ' ending in terminal punctuation, at or below the minimum'
            {%- endset %}
            when {{ c4_fraction }} <= {{ var('c4_min_terminal_punct_fraction') }}
                then {{ filter_verdict('quality', 'c4_terminal_punctuation', c4_fraction,
                    '(' ~ var('c4_min_terminal_punct_fraction') ~ ')', c4_detail) }}
            {%- if var('c4_filter_lorem_ipsum') %}
            {{ _prose_rule('has_lorem_ipsum', 'c4_lorem_ipsum', 'null', 'null', "contains 'lorem ipsum'") }}
            {%- endif %}
            {{ _prose_rule('boilerplate_line_fraction > ' ~ var('c4_max_boilerplate_line_fraction'),
                'c4_boilerplate_lines', 'boilerplate_line_fraction', var('c4_max_boilerplate_line_fraction'),
                'fraction of lines mentioning javascript, cookies or terms of use') }}
            {#- FineWeb-Edu: only where the source has a score -#}
            {{ _prose_rule('edu_int_score < ' ~ var('min_edu_int_score'), 'edu_score_too_low', 'edu_int_score', var('min_edu_int_score'),
                'FineWeb-Edu int_score') }}
        end
{%- endmacro %}
