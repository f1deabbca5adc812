{{ config(severity='warn') }}
-- Warns when var validation_fraction asks for a validation split but no repository drew it (a
-- corpus of few repositories), or when validation documents pack into no window (concat drops a
-- tail shorter than seq_len): the shards then have no validation files.
select 'no repository drew validation' as problem
from {{ ref('fct_repo_splits') }}
having {{ var('validation_fraction') }} > 0 and count(*) filter (where split = 'validation') = 0
union all
select 'validation documents fill no window' as problem
from {{ ref('rpt_packing') }}
where split = 'validation' and windows = 0
