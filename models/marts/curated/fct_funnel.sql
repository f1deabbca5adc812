-- The funnel: per source and kind (code, text, docs), how many files, bytes and lines remain
-- after each stage, and what each stage removed, so code and text read side by side. 'raw' is
-- every raw row; the last stage's remainder is the curated corpus. Two stages edit the files they
-- keep (boilerplate removal and PII redaction): their bytes_edited is what the edits took out, so
-- bytes remaining before a stage = bytes remaining after it + bytes_removed + bytes_edited.
with

boilerplate_edits as (
    -- What boilerplate removal took out of the files it kept (files it dropped leave whole).
    select
        doc_id,
        sum(n_bytes) as n_bytes,
        sum(n_lines) as n_lines
    from {{ ref('int_boilerplate_edits') }}
    where not is_document_dropped
    group by doc_id
),

redactions as (
    -- Placeholders can be longer than what they replace: a negative change is an added byte.
    select
        doc_id,
        n_bytes_before_redaction - {{ byte_length('content') }} as n_bytes
    from {{ ref('int_pii_redactions_cache') }}
),

documents as (
    select
        checked.doc_id,
        checked.source,
        checked.kind,
        checked.n_bytes,
        scored.n_lines,
        coalesce(boilerplate_edits.n_bytes, 0) as boilerplate_bytes,
        coalesce(boilerplate_edits.n_lines, 0) as boilerplate_lines,
        coalesce(redactions.n_bytes, 0) as redaction_bytes
    from {{ ref('int_raw_files_checked') }} as checked
    left join {{ ref('int_file_signals_cache') }} as scored
        on checked.doc_id = scored.doc_id
    left join boilerplate_edits
        on checked.doc_id = boilerplate_edits.doc_id
    left join redactions
        on checked.doc_id = redactions.doc_id
),

stages as (
    select * from {{ pipeline_stages() }}
),

editing_stages as (
    select
        max(stage_order) filter (where stage = 'boilerplate') as boilerplate_order,
        max(stage_order) filter (where stage = 'pii') as pii_order
    from stages
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

sized as (
    -- Each document's bytes and lines before and after each stage: less the edits of the
    -- editing stages up to it.
    select
        fates.source,
        fates.kind,
        fates.dropped_at_order,
        stages.stage,
        stages.stage_order,
        fates.n_bytes
        - case when stages.stage_order > editing_stages.boilerplate_order then fates.boilerplate_bytes else 0 end
        - case when stages.stage_order > editing_stages.pii_order then fates.redaction_bytes else 0 end
            as bytes_before,
        fates.n_bytes
        - case when stages.stage_order >= editing_stages.boilerplate_order then fates.boilerplate_bytes else 0 end
        - case when stages.stage_order >= editing_stages.pii_order then fates.redaction_bytes else 0 end
            as bytes_after,
        fates.n_lines
        - case when stages.stage_order >= editing_stages.boilerplate_order then fates.boilerplate_lines else 0 end
            as lines_after
    from fates
    cross join stages
    cross join editing_stages
),

funnel as (
    select
        source,
        kind,
        stage,
        stage_order,
        count(*) filter (where dropped_at_order > stage_order) as files_remaining,
        coalesce(sum(bytes_after) filter (where dropped_at_order > stage_order), 0) as bytes_remaining,
        coalesce(sum(lines_after) filter (where dropped_at_order > stage_order), 0) as lines_remaining,
        count(*) filter (where dropped_at_order = stage_order) as files_removed,
        coalesce(sum(bytes_before) filter (where dropped_at_order = stage_order), 0) as bytes_removed,
        coalesce(sum(bytes_before - bytes_after) filter (where dropped_at_order > stage_order), 0) as bytes_edited
    from sized
    group by source, kind, stage, stage_order
)

select * from funnel
order by source, kind, stage_order
