-- Fails when a corpus of two or more repositories leaves a split without a repository:
-- fct_repo_splits puts the lowest draw in validation (validation_fraction above 0) and the highest
-- in train, so neither can be empty whatever the fraction.
select 'no repository in train' as problem
from {{ ref('fct_repo_splits') }}
having count(*) >= 2 and count(*) filter (where split = 'train') = 0
union all
select 'no repository in validation' as problem
from {{ ref('fct_repo_splits') }}
having count(*) >= 2 and {{ var('validation_fraction') }} > 0 and count(*) filter (where split = 'validation') = 0
