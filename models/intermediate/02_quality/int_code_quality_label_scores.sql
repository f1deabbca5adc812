{{ config(materialized='memoized_table') }}
-- Every labelled file the corpus holds, with its label and the model's score: the evaluation's
-- input (held-out files were not trained on).
with

labelled_files as (
    select
        doc_id,
        content
    from {{ ref('int_code_quality_labels') }}
    where label_status = 'matched'
),

predictions as (
    {{ code_quality_scores('labelled_files') }}
)

select
    labels.repo,
    labels.path,
    labels.doc_id,
    labels.split,
    labels.score as label_score,
    predictions.quality_score,
    predictions.quality_int_score,
    labels.reason
from {{ ref('int_code_quality_labels') }} as labels
inner join predictions on labels.doc_id = predictions.doc_id
