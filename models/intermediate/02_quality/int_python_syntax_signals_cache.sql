{{ cache_config(progress_udf='winnow_python_syntax', input='int_raw_files_checked', input_where="staging_rule is null and kind = 'code' and language = 'python'", skip_opted_out=true) }}
-- depends_on: {{ ref('int_raw_files_checked') }}
-- Syntax and structure signals of every Python file, as measured values, no verdicts:
-- int_files_filtered turns them into the python_syntax_error, python2_syntax and
-- obfuscated_payload rules. They come from the winnow_python_syntax Arrow UDF
-- (python_udfs/kernels/python_syntax.py), which parses each file with ast.parse; files over
-- python_syntax_max_bytes are not parsed (NULL signals, not_parsed_reason). No content is stored
-- here. Incremental (macros/incremental_cache.sql): a file is parsed once per settings and the
-- rows are kept between builds, for the current files only; opted-out files are never parsed.
with

python_files as (
    select
        doc_id,
        content
    from {{ ref('int_files_unioned') }} as unioned
    where
        kind = 'code'
        and language = 'python'
        and unioned.doc_id not in (select doc_id from {{ ref('int_files_opted_out') }})
        and {{ not_cached('unioned') }}
),

measured as (
    select
        doc_id,
        winnow_python_syntax(content, cast({{ var('python_syntax_max_bytes') }} as bigint)) as python_syntax
    from python_files
)

select
    doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    python_syntax.*
from measured
