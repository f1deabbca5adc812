-- Warns (does not fail) when a mixture repeats a source more than var mixture_max_epochs times
-- (default 5; Muennighoff et al. 2023 find repeated data loses value after about 4 epochs). The
-- rows are also recorded in rpt_mixture.exceeds_epoch_cap.
{{ config(severity='warn') }}

select mixture, source, score_bucket, target_epochs, {{ var('mixture_max_epochs') }} as max_epochs
from {{ ref('int_mixture_buckets_planned') }}
where exceeds_epoch_cap
