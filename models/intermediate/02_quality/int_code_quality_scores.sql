{{ config(materialized='table') }}
-- The code-quality score of every Python code file the quality rules keep: Stack-Edu's 0-5
-- educational-value scale as the model of int_code_quality_model predicts it.
with

python_files as (
    select
        doc_id,
        content
    from {{ ref('int_files_filtered') }}
    where filter_rule is null and kind = 'code' and language = 'python'
)

select * from (
    {{ code_quality_scores('python_files') }}
) as scores
