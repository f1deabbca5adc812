{#-
  The text around a repository's files in a repository document (int_repository_documents), one
  home for both formats of var repository_document_format:
    path_comments (DeepSeek-Coder, arXiv:2401.14196 section 2.2: each file starts with a comment
      naming its path):  "# repository: <repo>\n" then per file "# <path>\n<content>", a newline
      added when the content does not end with one.
    starcoder2 (StarCoder2, arXiv:2402.19173 section 5: "<repo_name>reponame<file_sep>filepath1\n
      code1<file_sep>filepath2\ncode2"): <repo_name> and <file_sep> are special tokens of the
      tokenizer (int_tokenizer_prepared adds them to the one it trains and checks a user's).
  The names are column expressions; the format is the var, checked in on-run-start.
-#}
{#- The special token that opens a document / a file in the format (a SQL string, NULL for
    path_comments), and the ordinary text after it. Tokenisation encodes the text as ordinary text
    and the marker as its special token id, so a file holding the marker's spelling stays text. -#}
{% macro repository_special_tokens() -%}
  {{ return(['<repo_name>', '<file_sep>'] if var('repository_document_format') == 'starcoder2' else []) }}
{%- endmacro %}

{% macro repository_document_marker() -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    {{ sql_string(repository_special_tokens()[0]) }}
  {%- else -%}
    cast(null as {{ type_text() }})
  {%- endif -%}
{%- endmacro %}

{% macro repository_document_title(repo) -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    {{ repo }}
  {%- else -%}
    ('# repository: ' || {{ repo }} || chr(10))
  {%- endif -%}
{%- endmacro %}

{% macro repository_file_marker() -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    {{ sql_string(repository_special_tokens()[1]) }}
  {%- else -%}
    cast(null as {{ type_text() }})
  {%- endif -%}
{%- endmacro %}

{% macro repository_file_title(path) -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    ({{ path }} || chr(10))
  {%- else -%}
    ('# ' || {{ path }} || chr(10))
  {%- endif -%}
{%- endmacro %}

{#- The whole header texts, marker included: what the document's text holds. -#}
{% macro repository_document_header(repo) -%}
  (coalesce({{ repository_document_marker() }}, '') || {{ repository_document_title(repo) }})
{%- endmacro %}

{% macro repository_file_header(path) -%}
  (coalesce({{ repository_file_marker() }}, '') || {{ repository_file_title(path) }})
{%- endmacro %}

{% macro repository_file_trailer(content) -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    ''
  {%- else -%}
    (case when {{ content }} = '' or {{ ends_with(content, 'chr(10)') }} then '' else chr(10) end)
  {%- endif -%}
{%- endmacro %}

{#- The segments of every repository document of `documents` (a relation or CTE with repo_doc_id,
    repo, doc_ids, paths), for winnow_tokenize_segments: `texts` (the header's text, then each file's
    path line, text and trailer) and `markers` (the special token before each, NULL for none).
    Their concatenation is the document's content (int_repository_documents). -#}
{% macro repository_document_segments(documents) -%}
    select
        files.repo_doc_id,
        {{ list_concat([
            list_of([repository_document_title('any_value(files.repo)')]),
            ordered_list_agg(
                repository_file_title('files.path') ~ ' || curated.content || ' ~ repository_file_trailer('curated.content'),
                ['files.position'])
        ]) }} as texts,
        {{ list_concat([
            list_of([repository_document_marker()]),
            ordered_list_agg(repository_file_marker(), ['files.position'])
        ]) }} as markers
    from (
        select
            repo_doc_id,
            repo,
            {{ unnest_lists_in_step([
                ('doc_ids', 'doc_id'), ('paths', 'path'), (list_range(list_size('doc_ids')), 'position')
            ]) }}
        from {{ documents }}
    ) as files
    inner join {{ ref('int_files_curated') }} as curated
        on files.doc_id = curated.doc_id
    group by files.repo_doc_id
{%- endmacro %}
