-- Each (mixture, split, window_index) is one window of fct_packed_sequences: the exports write
-- windows in that order, so a repeated index would write a window twice or in an unstable order.
select
    mixture,
    split,
    window_index,
    count(*) as n_rows
from {{ ref('fct_packed_sequences') }}
group by mixture, split, window_index
having count(*) > 1
