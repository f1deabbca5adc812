-- Fails when a row's realised token share misses its target by more than 1 percentage point and
-- by more than its largest document: the fractional copy is chosen document by document, so it
-- can always be held within a document of its target (any row is a bug), but a source of a few
-- large files cannot be held to 1 point (tests/dbt/test_mixing.py holds real corpora to the
-- 1-point gate).

with

report as (
    select
        *,
        sum(realised_tokens) over (partition by mixture) as mixture_realised_tokens
    from {{ ref('rpt_mixture') }}
),

largest_files as (
    select
        source,
        documents,
        max(n_tokens) as largest_file_tokens
    from {{ ref('int_mixture_documents') }}
    group by source, documents
)

select
    report.mixture,
    report.source,
    report.target_share,
    report.realised_share,
    report.share_error_pp,
    largest_files.largest_file_tokens
from report
inner join largest_files using (source, documents)
where
    abs(report.share_error_pp) > 1
    and abs(report.share_error_pp) / 100 * report.mixture_realised_tokens > largest_files.largest_file_tokens
