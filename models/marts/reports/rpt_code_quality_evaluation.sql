-- How well the code-quality score agrees with the labels, per split: the held-out rows are the
-- honest figures (those repositories were not trained on). Binary metrics treat a file as
-- educational when its score reaches var code_quality_min_score (Stack-Edu's threshold 3).
with

scored as (
    select
        split,
        label_score >= {{ var('code_quality_min_score') }} as is_labelled_educational,
        quality_int_score >= {{ var('code_quality_min_score') }} as is_scored_educational,
        label_score,
        quality_int_score,
        quality_score
    from {{ ref('int_code_quality_label_scores') }}
),

counts as (
    select
        split,
        count(*) as n_files,
        count(*) filter (where is_labelled_educational and is_scored_educational) as true_positives,
        count(*) filter (where not is_labelled_educational and is_scored_educational) as false_positives,
        count(*) filter (where is_labelled_educational and not is_scored_educational) as false_negatives,
        count(*) filter (where label_score = quality_int_score) as n_exact,
        avg(abs(quality_score - label_score)) as mean_absolute_error
    from scored
    group by split
)

select
    split,
    {{ var('code_quality_min_score') }} as min_score,
    n_files,
    true_positives,
    false_positives,
    false_negatives,
    round(true_positives / nullif(true_positives + false_positives, 0), 4) as precision_at_min_score,
    round(true_positives / nullif(true_positives + false_negatives, 0), 4) as recall_at_min_score,
    round(2 * true_positives / nullif(2 * true_positives + false_positives + false_negatives, 0), 4)
        as f1_at_min_score,
    round(n_exact / n_files, 4) as exact_accuracy,
    round(mean_absolute_error, 4) as mean_absolute_error
from counts
