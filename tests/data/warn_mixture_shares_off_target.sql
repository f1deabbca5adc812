-- Warns when a source's realised token share misses its target by more than 1 percentage point.
-- The fractional copy is at most one file off its target, so this fires only for sources made of
-- few, large files; tests/dbt/test_mixing.py holds real corpora to the 1-point gate.
{{ config(severity='warn') }}

select mixture, source, target_share, realised_share, share_error_pp
from {{ ref('rpt_mixture') }}
where abs(share_error_pp) > 1
