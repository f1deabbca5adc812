{{ config(materialized='memoized_table') }}
-- The code-quality score's model: ridge regression of the train split's labelled scores on their
-- n-gram features (macros/code_quality.sql), fitted by the winnow_fit_ridge UDF in one call, its
-- penalty the one of var code_quality_ridge_l2_grid with the least leave-one-repository-out
-- error. The vocabulary is every n-gram found in at least var code_quality_min_ngram_files
-- training files, in byte order; weights[i] belongs to ngrams[i].
{%- set l2_grid = [] -%}
{%- for l2 in var('code_quality_ridge_l2_grid') %}{% do l2_grid.append('cast(' ~ l2 ~ ' as double)') %}{% endfor %}
with

training_files as (
    select
        doc_id,
        repo,
        content,
        cast(score as double) as score,
        row_number() over (order by doc_id) - 1 as document_index,
        dense_rank() over (order by repo) as repository_index
    from {{ ref('int_code_quality_labels') }}
    where label_status = 'matched' and split = 'train'
),

training_values as (
    {{ code_quality_ngram_values('training_files') }}
),

vocabulary as (
    select
        ngram,
        row_number() over (order by ngram) - 1 as feature_index
    from training_values
    group by ngram
    having count(*) >= {{ var('code_quality_min_ngram_files') }}
),

entries as (
    select
        training_files.document_index,
        vocabulary.feature_index,
        training_values.value
    from training_values
    inner join training_files on training_values.doc_id = training_files.doc_id
    inner join vocabulary on training_values.ngram = vocabulary.ngram
),

fit_input as (
    select
        coalesce(
            (select {{ ordered_list_agg('score', ['document_index']) }} from training_files), {{ list_of([]) }}
        ) as labels,
        (
            select {{ ordered_list_agg('repository_index', ['document_index']) }} from training_files
        ) as repository_indexes,
        coalesce(
            (select {{ ordered_list_agg('ngram', ['feature_index']) }} from vocabulary), {{ list_of([]) }}
        ) as ngrams,
        coalesce(
            {{ ordered_list_agg('document_index', ['document_index', 'feature_index']) }}, {{ list_of([]) }}
        ) as document_indexes,
        coalesce(
            {{ ordered_list_agg('feature_index', ['document_index', 'feature_index']) }}, {{ list_of([]) }}
        ) as feature_indexes,
        coalesce(
            {{ ordered_list_agg('value', ['document_index', 'feature_index']) }}, {{ list_of([]) }}
        ) as feature_values
    from entries
),

fitted as (
    select
        labels,
        ngrams,
        -- Fewer than 2 labelled files (a corpus the labels do not describe): no model, no scores.
        case
            when {{ list_size('labels') }} >= 2
                then winnow_fit_ridge(
                    document_indexes,
                    feature_indexes,
                    feature_values,
                    labels,
                    repository_indexes,
                    cast({{ list_size('ngrams') }} as integer),
                    {{ list_of(l2_grid) }}
                )
        end as fit
    from fit_input
)

select
    fit.intercept,
    ngrams,
    fit.weights,
    {{ list_size('labels') }} as n_training_files,
    {{ list_size('ngrams') }} as n_features,
    fit.l2 as ridge_l2,
    fit.leave_one_group_out_mse
from fitted
