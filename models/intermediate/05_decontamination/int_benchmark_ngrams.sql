-- The decontamination index: normalised n-grams of every benchmark task (seeds/benchmarks.csv),
-- as datatrove's NGramsDecontIndexer builds them: n-grams of the solution, n-grams that span the
-- end of the prompt and the start of the solution (var decontamination_overlap_ngrams), and, only
-- if var decontamination_prompt_ngrams is set, n-grams of the prompt alone. An n-gram whose
-- solution part lies inside a snippet of seeds/decontamination_allow_list.csv is kept but
-- marked allow-listed (not searched): `return a + b` is no evidence of contamination.
{% set n = var('decontamination_ngram_size') | int(0) %}
with

benchmarks as (
    {{ benchmark_texts() }}
),

tokenised as (
    select
        benchmark,
        task_id,
        solution_id,
        {{ decontamination_tokens('prompt') }} as prompt_tokens,
        {{ decontamination_tokens('solution') }} as solution_tokens
    from benchmarks
),

task_tokens as (
    -- One row per token of prompt followed by solution, with its 1-based position.
    select
        benchmark,
        task_id,
        solution_id,
        len(prompt_tokens) as n_prompt_tokens,
        solution_tokens,
        unnest(prompt_tokens || solution_tokens) as token,
        generate_subscripts(prompt_tokens || solution_tokens, 1) as pos
    from tokenised
),

windows as (
    {{ token_ngrams('task_tokens', ['benchmark', 'task_id', 'solution_id', 'n_prompt_tokens', 'solution_tokens']) }}
),

parts as (
    select
        benchmark,
        task_id,
        solution_id,
        ngram,
        -- Solution tokens in the window: the window ends at pos + n - 1.
        greatest(0, least({{ n }}, pos + {{ n }} - 1 - n_prompt_tokens)) as n_solution_tokens,
        case
            when pos > n_prompt_tokens then ngram
            else array_to_string(solution_tokens[1:pos + {{ n }} - 1 - n_prompt_tokens], ' ')
        end as solution_part
    from windows
),

kept_kinds as (
    select
        *,
        case
            when n_solution_tokens = {{ n }} then 'solution'
            when n_solution_tokens = 0 then 'prompt'
            else 'overlap'
        end as ngram_kind
    from parts
    where
        n_solution_tokens = {{ n }}
        {% if var('decontamination_overlap_ngrams') %}or n_solution_tokens between 1 and {{ n - 1 }}{% endif %}
    {% if var('decontamination_prompt_ngrams') %}or n_solution_tokens = 0{% endif %}
),

allow_list as (
    select ' ' || array_to_string({{ decontamination_tokens('snippet') }}, ' ') || ' ' as snippet_tokens
    from {{ ref('decontamination_allow_list') }}
),

judged as (
    select
        kept_kinds.benchmark,
        kept_kinds.task_id,
        kept_kinds.solution_id,
        kept_kinds.ngram,
        min(kept_kinds.ngram_kind) as ngram_kind,
        -- For a prompt-only n-gram the whole n-gram must lie inside the snippet.
        bool_or(allow_list.snippet_tokens is not null) as is_allow_listed
    from kept_kinds
    left join allow_list
        on
            contains(
                allow_list.snippet_tokens,
                ' ' || coalesce(nullif(kept_kinds.solution_part, ''), kept_kinds.ngram) || ' '
            )
    group by all
)

select
    benchmark,
    task_id,
    solution_id,
    ngram,
    {{ stable_hash('ngram') }} as ngram_hash,
    ngram_kind,
    is_allow_listed
from judged
