{#-
  The code-quality score's features, one definition for training and scoring: the first
  var code_quality_extract_chars characters of a file (the context the published Stack-Edu
  classifier reads), cut into tokens (identifiers, numbers, triple quotes, single punctuation
  characters), its unigrams and bigrams counted, each count weighted ln(1 + count) and the weights
  of a file scaled to unit length (its squares summed as exact DECIMALs, so no thread order
  changes a bit). A query over `relation` (doc_id, content) giving
  (doc_id, ngram, value). Tokens hold no whitespace, so a bigram is its two tokens joined by a space.
-#}
{% macro code_quality_ngram_values(relation) -%}
with

quality_extracts as (
    select
        doc_id,
        regexp_extract_all(
            left(content, {{ var('code_quality_extract_chars') }}),
            {{ sql_string('[A-Za-z_][A-Za-z0-9_]*|[0-9]+|"""|\'\'\'|[^' ~ regex_space_in_class() ~ 'A-Za-z0-9_]') }},
            0
        ) as tokens
    from {{ relation }}
),

quality_tokens as (
    -- Each token beside the next one (NULL after the last): the shorter list is padded in the
    -- unnest, so no window has to sort every token of the corpus to pair them.
    select
        doc_id,
        {{ unnest_lists_in_step([
            ['tokens', 'token'],
            [list_slice('tokens', 2, list_size('tokens')), 'next_token']
        ]) }}
    from quality_extracts
),

quality_grams as (
    select
        doc_id,
        token as ngram
    from quality_tokens
    union all
    select
        doc_id,
        token || ' ' || next_token as ngram
    from quality_tokens
    where next_token is not null
),

quality_counts as (
    select
        doc_id,
        ngram,
        ln(1 + count(*)) as weight
    from quality_grams
    group by doc_id, ngram
)

select
    doc_id,
    ngram,
    weight / sqrt(cast(sum(cast(weight * weight as decimal(38, 18))) over (partition by doc_id) as double)) as value
from quality_counts
{%- endmacro %}

{#-
  Scores of the files of `relation` (doc_id, content) under int_code_quality_model: the intercept
  plus the sum of feature values times weights, clipped to Stack-Edu's 0-5 scale. Each product is
  summed as an exact DECIMAL, so the score does not depend on the order threads add them in.
  quality_int_score rounds half up, as Stack-Edu's int(round(max(0, min(score, 5)))) does on all
  but exact halves.
-#}
{% macro code_quality_scores(relation) -%}
with

scored_files as (
    select doc_id from {{ relation }}
),

scored_values as (
    {{ code_quality_ngram_values(relation) }}
),

model_weights as (
    select * from {{ ref('int_code_quality_weights') }}
),

dot_products as (
    select
        scored_values.doc_id,
        sum(cast(scored_values.value * model_weights.weight as decimal(38, 18))) as dot_product
    from scored_values
    inner join model_weights on scored_values.ngram = model_weights.ngram
    group by scored_values.doc_id
),

raw_scores as (
    select
        scored_files.doc_id,
        -- greatest() and least() skip NULLs: without a model (a NULL intercept) the score stays NULL.
        case
            when model.intercept is not null
                then round(
                    least(5.0, greatest(0.0, model.intercept + coalesce(cast(dot_products.dot_product as double), 0.0))),
                    6
                )
        end as quality_score
    from scored_files
    cross join {{ ref('int_code_quality_model') }} as model
    left join dot_products on scored_files.doc_id = dot_products.doc_id
)

select
    doc_id,
    quality_score,
    cast(floor(quality_score + 0.5) as integer) as quality_int_score
from raw_scores
{%- endmacro %}
