-- Deterministic samples of the curated corpus for the tokenizer: 'train', the text a trained
-- tokenizer learns from (var tokenizer_train_bytes), and 'engine_check', where tiktoken must give
-- the ids of tokenizers before the pipeline encodes with it (var tokenizer_engine_check_bytes).
-- Each takes files in stable_hash(seed, purpose, doc_id) order until the byte budget is spent
-- (the file that crosses it included, so a sample is empty only when the corpus is).
with

files as (
    select
        doc_id,
        content,
        n_bytes
    from {{ ref('int_files_curated') }}
),

budgets as (
    select * from (
        values
        ('train', {{ var('tokenizer_train_bytes') | int }}),
        ('engine_check', {{ var('tokenizer_engine_check_bytes') | int }})
    ) as budgets (purpose, budget_bytes)
),

ordered as (
    select
        budgets.purpose,
        budgets.budget_bytes,
        files.doc_id,
        files.content,
        files.n_bytes,
        sum(files.n_bytes) over (
            partition by budgets.purpose
            order by {{ stable_hash([var('seed'), 'budgets.purpose', 'files.doc_id']) }}, files.doc_id
            rows between unbounded preceding and current row
        ) as cumulative_bytes
    from files
    cross join budgets
)

select
    purpose,
    row_number() over (partition by purpose order by cumulative_bytes, doc_id) as sample_rank,
    doc_id,
    content
from ordered
where cumulative_bytes - n_bytes < budget_bytes
