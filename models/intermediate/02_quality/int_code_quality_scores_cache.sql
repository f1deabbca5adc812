{{ cache_config(input='int_files_filtered', input_where="filter_rule is null and kind = 'code' and language = 'python'",
    fingerprint_inputs=["select md5(cast(" ~ struct_of([['i', 'intercept'], ['n', 'ngrams'], ['w', 'weights']])
                        ~ " as " ~ type_text() ~ ")) from {{ ref('int_code_quality_model') }}"]) }}
-- The code-quality score of every Python code file the quality rules keep: Stack-Edu's 0-5
-- educational-value scale as int_code_quality_model predicts it. Kept between builds (see
-- macros/incremental_cache.sql): a file is scored once per model, for the current files only.
with

python_files as (
    select
        doc_id,
        content
    from {{ ref('int_files_filtered') }} as files
    where
        files.filter_rule is null
        and files.kind = 'code'
        and files.language = 'python'
        and {{ not_cached('files') }}
)

select
    scores.doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    scores.quality_score,
    scores.quality_int_score
from (
    {{ code_quality_scores('python_files') }}
) as scores
