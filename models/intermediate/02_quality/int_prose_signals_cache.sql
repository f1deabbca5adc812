{{ cache_config(progress_udf='winnow_prose_signals', input='int_raw_files_checked', input_where="staging_rule is null and kind in ('text', 'docs')", skip_opted_out=true) }}
-- depends_on: {{ ref('int_raw_files_checked') }}
-- depends_on: {{ ref('int_file_signals_cache') }}
-- (An order, not a data dependency: see meta.order_only_dependency in the YAML.)
-- Prose quality signals of every text and docs document, as measured values, no verdicts:
-- int_files_filtered applies the thresholds to kinds text and docs only (code keeps the code
-- rules of int_file_signals_cache), with the FineWeb-Edu score from the source. Gopher quality and
-- repetition and the C4 line measures come from the winnow_prose_signals Arrow UDF
-- (python_udfs/kernels/prose_quality.py). No content is stored here. Incremental
-- (macros/incremental_cache.sql): a document is measured once and the rows are kept between
-- builds, for the current documents only; opted-out documents are never measured.
with

texts as (
    select
        doc_id,
        content
    from {{ ref('int_files_unioned') }} as unioned
    where
        kind in ('text', 'docs')
        and unioned.doc_id not in (select doc_id from {{ ref('int_files_opted_out') }})
        and {{ not_cached('unioned') }}
),

measured as (
    select
        doc_id,
        winnow_prose_signals(content) as prose
    from texts
)

select
    doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    prose.*
from measured
