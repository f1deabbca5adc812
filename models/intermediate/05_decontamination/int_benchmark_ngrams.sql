-- The decontamination index: n-grams of every benchmark solution (seeds/benchmarks.csv; APPS tasks
-- have several solutions), as datatrove's NGramsDecontIndexer builds them: n-grams of the
-- solution, n-grams that span the end of the prompt and the start of the solution (var
-- decontamination_overlap_ngrams), and, only if var decontamination_prompt_ngrams is set, n-grams
-- of the prompt alone. A code solution's own n-grams are matched in their identifier-blind form
-- (token_ngrams in macros/benchmarks.sql), so a paste with renamed variables still matches; n-grams
-- that hold prompt text (a docstring, a question) and every n-gram of a prose benchmark are
-- matched as written, as renaming leaves prose alone and blind prose is any sentence.
-- task_pos is the n-gram's position in the solution's token sequence (prompt, then solution): the
-- scans find runs of consecutive matches from it. An n-gram whose solution part lies inside a
-- snippet of seeds/decontamination_allow_list.csv is kept but marked allow-listed (not searched):
-- `return a + b` is no evidence of contamination. Nor is an identifier-blind n-gram made mostly of
-- renamed identifiers (`v v is v v v v v v v` is any sentence of a docstring): it is searched only
-- when at least var decontamination_min_structure_fraction of its tokens are keywords, builtins,
-- numbers or repeats.
{% set n = var('decontamination_ngram_size') | int(0) %}
with

benchmarks as (
    {{ benchmark_texts() }}
),

task_sequences as (
    select
        benchmark,
        task_id,
        solution_id,
        matching,
        {{ list_size(decontamination_tokens('prompt')) }} as n_prompt_tokens,
        {{ decontamination_tokens('solution') }} as solution_tokens,
        {{ decontamination_tokens('prompt') }} || {{ decontamination_tokens('solution') }} as tokens
    from benchmarks
),

task_tokens as (
    {{ token_positions('task_sequences', ['benchmark', 'task_id', 'solution_id'], 'tokens') }}
),

windows as (
    {{ token_ngrams('task_tokens', ['benchmark', 'task_id', 'solution_id']) }}
),

parts as (
    select
        windows.benchmark,
        windows.task_id,
        windows.solution_id,
        windows.pos as task_pos,
        sequences.matching as benchmark_matching,
        windows.blind_ngram,
        windows.ngram as literal_ngram,
        -- Solution tokens in the window: the window ends at pos + n - 1.
        greatest(0, least({{ n }}, windows.pos + {{ n }} - 1 - sequences.n_prompt_tokens)) as n_solution_tokens,
        case
            when windows.pos > sequences.n_prompt_tokens then windows.ngram
            else {{ list_join(
                list_slice('sequences.solution_tokens', '1', 'windows.pos + ' ~ n ~ ' - 1 - sequences.n_prompt_tokens'),
                "' '"
            ) }}
        end as solution_part
    from windows
    inner join task_sequences as sequences
        on
            windows.benchmark = sequences.benchmark
            and windows.task_id = sequences.task_id
            and windows.solution_id = sequences.solution_id
),

kept_kinds as (
    select
        *,
        case
            when n_solution_tokens = {{ n }} then 'solution'
            when n_solution_tokens = 0 then 'prompt'
            else 'overlap'
        end as ngram_kind,
        case
            when benchmark_matching = 'blind' and n_solution_tokens = {{ n }} then 'blind'
            else 'literal'
        end as matching
    from parts
    where
        n_solution_tokens = {{ n }}
        {% if var('decontamination_overlap_ngrams') %}or n_solution_tokens between 1 and {{ n - 1 }}{% endif %}
    {% if var('decontamination_prompt_ngrams') %}or n_solution_tokens = 0{% endif %}
),

allow_list as (
    select ' ' || {{ list_join(decontamination_tokens('snippet'), "' '") }} || ' ' as snippet_tokens
    from {{ ref('decontamination_allow_list') }}
),

judged as (
    select
        kept_kinds.benchmark,
        kept_kinds.task_id,
        kept_kinds.solution_id,
        kept_kinds.task_pos,
        kept_kinds.matching,
        case when kept_kinds.matching = 'blind' then kept_kinds.blind_ngram else kept_kinds.literal_ngram end as ngram,
        kept_kinds.literal_ngram,
        kept_kinds.ngram_kind,
        -- For a prompt-only n-gram the whole n-gram must lie inside the snippet.
        bool_or(allow_list.snippet_tokens is not null) as is_allow_listed
    from kept_kinds
    left join allow_list
        on
            contains(
                allow_list.snippet_tokens,
                ' ' || coalesce(nullif(kept_kinds.solution_part, ''), kept_kinds.literal_ngram) || ' '
            )
    group by all
),

shaped as (
    select
        *,
        matching = 'blind'
        and {{ list_size(list_filter(split_text('ngram', "' '"), 'token', "token <> 'v'")) }}
        < {{ var('decontamination_min_structure_fraction') }} * {{ n }} as is_generic_shape
    from judged
)

select
    benchmark,
    task_id,
    solution_id,
    task_pos,
    matching,
    ngram,
    {{ stable_hash('ngram') }} as ngram_hash,
    literal_ngram,
    ngram_kind,
    is_allow_listed,
    is_generic_shape,
    not is_allow_listed and not is_generic_shape as is_searched
from shaped
