{{ config(materialized='view') }}
-- One row per n-gram of the code-quality model with its weight: what pushes a file's score up or
-- down (order by weight to read the model).
select
    unnest(ngrams) as ngram,
    unnest(weights) as weight
from {{ ref('int_code_quality_model') }}
