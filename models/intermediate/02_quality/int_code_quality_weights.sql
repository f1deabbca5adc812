{{ config(materialized='view') }}
-- One row per n-gram of the code-quality model with its weight: what pushes a file's score up or
-- down (order by weight to read the model).
select
    {{ unnest_lists_in_step([['ngrams', 'ngram'], ['weights', 'weight']]) }}
from {{ ref('int_code_quality_model') }}
