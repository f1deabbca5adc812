-- The code-quality score's confusion matrix per split: labelled score against the model's rounded
-- score, one row per non-empty cell.
select
    split,
    label_score,
    quality_int_score as predicted_score,
    count(*) as n_files
from {{ ref('int_code_quality_label_scores') }}
group by split, label_score, quality_int_score
