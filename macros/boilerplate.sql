{#-
  Comment lines for boilerplate removal (models/intermediate/04_redaction/int_comment_blocks_cache):
  which lines of a code file are whole-line comments in its language, which of those are
  directives a tool reads (never removed), and the normal form a line is hashed in.
-#}

{#- True when the line (a column or expression, without its newline) is a whole-line comment in
    the language: `#` for Python and the shell family, `//`, `/*` and `*` (the lines of a block
    comment) for the C family, `--` for SQL and Lua, `!` for Fortran, `;` for Lisp and assembly,
    `%` for TeX. Languages not listed (markup, data, prose) have no comment lines here. -#}
{% macro is_comment_line(line, language) -%}
    case
        when {{ language }} in (
            'python', 'cython', 'shell', 'r', 'ruby', 'perl', 'cmake', 'dockerfile', 'makefile',
            'toml', 'yaml', 'julia', 'powershell', 'tcl'
        ) then {{ regexp_contains(line, "'^[ \\t]*#'") }}
        when {{ language }} in (
            'c', 'c++', 'c#', 'cuda', 'objective-c', 'go', 'java', 'javascript', 'typescript', 'kotlin',
            'scala', 'swift', 'rust', 'php', 'css', 'scss', 'protocol-buffer', 'thrift'
        ) then {{ regexp_contains(line, "'^[ \\t]*(//|/\\*|\\*)'") }}
        when {{ language }} in ('sql', 'lua') then {{ regexp_contains(line, "'^[ \\t]*--'") }}
        when {{ language }} = 'fortran' then {{ regexp_contains(line, "'^[ \\t]*!'") }}
        when {{ language }} in ('emacs-lisp', 'assembly') then {{ regexp_contains(line, "'^[ \\t]*;'") }}
        when {{ language }} = 'tex' then {{ regexp_contains(line, "'^[ \\t]*%'") }}
        else false
    end
{%- endmacro %}

{#- True when a comment line is a directive that a tool or the interpreter reads, so removing it
    would change what the file does: a shebang (line 1), a PEP 263 encoding declaration (lines 1
    and 2), and linter, formatter and type-checker pragmas (noqa, type:, fmt:, isort:, pylint:,
    mypy:, pyright:, ruff:, flake8:, pragma, Go's go: and +build, eslint, prettier-ignore, @ts-,
    nolint, clang-format). A directive ends a comment block and is never part of one. -#}
{% macro is_directive_line(line, line_number) -%}
    (
        ({{ line_number }} = 1 and {{ text_starts_with(line, "'#!'") }})
        or ({{ line_number }} <= 2 and {{ regexp_contains(line, "'^[ \\t\\f]*#.*?coding[:=][ \\t]*[-_.a-zA-Z0-9]+'") }})
        or {{ regexp_contains(
            line,
            "'^[ \\t]*(#|//|--)[ \\t]*(noqa|type:|fmt:|isort:|pylint:|mypy:|pyright:|ruff:|flake8:|pragma|go:|\\+build|eslint|prettier-ignore|@ts-|nolint|NOLINT|clang-format)'"
        ) }}
    )
{%- endmacro %}

{#- The form a comment line is compared in: CCNet's normalize_for_dedup steps that apply to code
    comments (trimmed, lower case, every digit 0, so a header differing only in its year is the same
    header) with runs of whitespace as one space, as datatrove's simplify_text does. -#}
{% macro normalised_comment_line(line) -%}{{ return(adapter.dispatch('normalised_comment_line', 'winnow')(line)) }}{%- endmacro %}
{% macro duckdb__normalised_comment_line(line) -%}
    regexp_replace(
        regexp_replace(lower(regexp_replace({{ line }}, '^\s+|\s+$', '', 'g')), '[0-9]', '0', 'g'),
        '\s+', ' ', 'g'
    )
{%- endmacro %}
{#- Spark: RE2's \s spelled out (Java's also holds \x0B), Java's $ anchored at the very end. -#}
{% macro spark__normalised_comment_line(line) -%}
    regexp_replace(
        regexp_replace(lower(regexp_replace({{ line }}, '^[\t\n\f\r ]+|[\t\n\f\r ]+\z', '')), '[0-9]', '0'),
        '[\t\n\f\r ]+', ' '
    )
{%- endmacro %}

{#- Words of a line: runs of ASCII letters and digits (comment leaders and punctuation are none). -#}
{% macro comment_line_words(line) -%}{{ return(adapter.dispatch('comment_line_words', 'winnow')(line)) }}{%- endmacro %}
{% macro duckdb__comment_line_words(line) -%}
    len(regexp_extract_all({{ line }}, '[[:alnum:]]+'))
{%- endmacro %}
{#- Spark: Java has no [[:alnum:]] (RE2's is ASCII), and regexp_extract_all takes group 1 unless told. -#}
{% macro spark__comment_line_words(line) -%}
    size(regexp_extract_all({{ line }}, '[A-Za-z0-9]+', 0))
{%- endmacro %}

{#- The set of blocks removed as boilerplate, for the fingerprints of caches keyed by doc_id (or by
    documents of files) that hold no hash of the text: a file's edited text changes with this set
    while its doc_id does not, so a new set recomputes them. A fingerprint_inputs query; the cache
    declares the dependency with a depends_on line. -#}
{% macro boilerplate_blocks_state() -%}
  {{ return("select coalesce(" ~ ordered_string_agg('block_hash', "','", ['block_hash']) ~ ", '') from {{ ref('int_boilerplate_blocks') }} where is_boilerplate") }}
{%- endmacro %}
