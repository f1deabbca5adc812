-- The funnel: per source and kind (code, text, docs), how many files, bytes and lines remain
-- after each stage, and what each stage removed, so code and text read side by side. 'raw' is
-- every raw row; the last stage's remainder is the curated corpus.
with

documents as (
    select
        checked.doc_id,
        checked.source,
        checked.kind,
        checked.n_bytes,
        scored.n_lines
    from {{ ref('int_raw_files_checked') }} as checked
    left join {{ ref('int_file_signals_cache') }} as scored
        on checked.doc_id = scored.doc_id
),

stages as (
    select * from {{ pipeline_stages() }}
),

fates as (
    -- The stage order at which each document left the pipeline (1000 = it never did).
    select
        documents.*,
        coalesce(stages.stage_order, 1000) as dropped_at_order
    from documents
    left join {{ ref('fct_drop_ledger') }} as ledger
        on documents.doc_id = ledger.doc_id
    left join stages
        on ledger.stage = stages.stage
),

funnel as (
    select
        fates.source,
        fates.kind,
        stages.stage,
        stages.stage_order,
        count(*) filter (where fates.dropped_at_order > stages.stage_order) as files_remaining,
        coalesce(sum(fates.n_bytes) filter (where fates.dropped_at_order > stages.stage_order), 0) as bytes_remaining,
        coalesce(sum(fates.n_lines) filter (where fates.dropped_at_order > stages.stage_order), 0) as lines_remaining,
        count(*) filter (where fates.dropped_at_order = stages.stage_order) as files_removed,
        coalesce(sum(fates.n_bytes) filter (where fates.dropped_at_order = stages.stage_order), 0) as bytes_removed
    from fates
    cross join stages
    group by fates.source, fates.kind, stages.stage, stages.stage_order
)

select * from funnel
order by source, kind, stage_order
