-- Packing loses nothing but concat's dropped tail: per mixture and split, fewer than seq_len
-- tokens dropped (none with best_fit or packing_tail = pad), and every window holds seq_len ids.
select mixture, split, dropped_tokens, windows
from {{ ref('rpt_packing') }}
where dropped_tokens < 0
   or dropped_tokens >= {{ var('seq_len') }}
   or (dropped_tokens > 0 and not ({{ sql_string(var('packing_strategy')) }} = 'concat'
                                   and {{ sql_string(var('packing_tail')) }} = 'drop'))
union all
select mixture, split, null, window_index
from {{ ref('fct_packed_sequences') }}
where len(input_ids) != {{ var('seq_len') }} or n_tokens + n_padding != {{ var('seq_len') }}
