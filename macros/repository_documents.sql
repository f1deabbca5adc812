{#-
  The text around a repository's files in a repository document (int_repository_documents), one
  home for both formats of var repository_document_format:
    path_comments (DeepSeek-Coder, arXiv:2401.14196 section 2.2: each file starts with a comment
      naming its path):  "# repository: <repo>\n" then per file "# <path>\n<content>", a newline
      added when the content does not end with one.
    starcoder2 (StarCoder2, arXiv:2402.19173 section 5: "<repo_name>reponame<file_sep>filepath1\n
      code1<file_sep>filepath2\ncode2"): needs <repo_name> and <file_sep> as special tokens of the
      tokenizer, which the trained tokenizer does not have yet.
  The names are column expressions; the format is the var, checked in on-run-start.
-#}
{% macro repository_document_header(repo) -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    ('<repo_name>' || {{ repo }})
  {%- else -%}
    ('# repository: ' || {{ repo }} || chr(10))
  {%- endif -%}
{%- endmacro %}

{% macro repository_file_header(path) -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    ('<file_sep>' || {{ path }} || chr(10))
  {%- else -%}
    ('# ' || {{ path }} || chr(10))
  {%- endif -%}
{%- endmacro %}

{% macro repository_file_trailer(content) -%}
  {%- if var('repository_document_format') == 'starcoder2' -%}
    ''
  {%- else -%}
    (case when {{ content }} = '' or suffix({{ content }}, chr(10)) then '' else chr(10) end)
  {%- endif -%}
{%- endmacro %}
