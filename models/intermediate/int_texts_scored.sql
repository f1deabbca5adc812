-- Prose quality signals of every text and docs document, as measured values, no verdicts:
-- int_files_filtered applies the thresholds to kinds text and docs only (code keeps the code
-- rules of int_files_scored). Gopher quality and repetition and the C4 line measures come from
-- the winnow_prose_signals Arrow UDF (python_udfs/prose_quality.py); the FineWeb-Edu score comes
-- from the source. No content is stored here.
with

texts as (
    select doc_id, kind, edu_score, edu_int_score, content
    from {{ ref('int_files_unioned') }}
    where kind in ('text', 'docs')
),

measured as (
    select
        doc_id,
        kind,
        edu_score,
        edu_int_score,
        winnow_prose_signals(content) as prose
    from texts
)

select
    doc_id,
    kind,
    edu_score,
    edu_int_score,
    prose.*
from measured
