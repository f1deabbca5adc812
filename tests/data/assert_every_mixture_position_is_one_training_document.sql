-- Each (mixture, position) is one document copy: once in fct_mixture, and once in
-- fct_training_documents with the same file and copy. A repeated position would put two copies
-- in one place of the order; a missing one would lose a copy before packing.
with

mixture_copies as (
    select
        mixture,
        position,
        doc_id,
        copy,
        count(*) over (partition by mixture, position) as n_rows
    from {{ ref('fct_mixture') }}
),

training_copies as (
    select
        mixture,
        position,
        doc_id,
        copy,
        count(*) over (partition by mixture, position) as n_rows
    from {{ ref('fct_training_documents') }}
)

select
    mixture,
    position,
    'fct_mixture holds the position ' || n_rows || ' times' as problem
from mixture_copies
where n_rows > 1
union all
select
    mixture,
    position,
    'fct_training_documents holds the position ' || n_rows || ' times' as problem
from training_copies
where n_rows > 1
union all
select
    mixture,
    position,
    'fct_training_documents lacks the copy of fct_mixture' as problem
from mixture_copies
anti join training_copies using (mixture, position, doc_id, copy)
union all
select
    mixture,
    position,
    'fct_training_documents holds a copy fct_mixture does not' as problem
from training_copies
anti join mixture_copies using (mixture, position, doc_id, copy)
