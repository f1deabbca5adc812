{{ config(severity='warn') }}
-- Warns when the shards miss a split that var validation_fraction asks for: a corpus of one
-- repository trains on it (a repository is never in both splits), and concat drops a tail shorter
-- than seq_len, so a split of small documents can fill no window.
select 'one repository: it trains, and there is no validation split' as problem
from {{ ref('fct_repo_splits') }}
having {{ var('validation_fraction') }} > 0 and count(*) = 1
union all
select 'mixture ' || mixture || ': ' || split || ' documents fill no window' as problem
from {{ ref('rpt_packing') }}
where windows = 0
