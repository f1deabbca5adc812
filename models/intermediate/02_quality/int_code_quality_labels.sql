{{ config(materialized='view') }}
-- The labelled files of seed code_quality_labels, found in the corpus by (repo, path) and checked
-- by the SHA-256 of their raw content: a label is only used on the exact text it was given for.
-- Whole repositories go to the held-out split (a stable draw per repository), so no file is
-- evaluated against a model trained on its own package's near-copies. The draw does not read var
-- seed: a new seed reshuffles mixtures, not the quality score of every curated file.
with

labels as (
    select * from {{ ref('code_quality_labels') }}
),

files as (
    select
        doc_id,
        source,
        repo,
        path,
        content
    from {{ ref('int_files_unioned') }}
),

candidates as (
    select
        labels.repo,
        labels.path,
        labels.content_sha256,
        labels.score,
        labels.reason,
        files.doc_id,
        files.content,
        {{ sha256_hex('files.content') }} = labels.content_sha256 as is_same_content,
        row_number() over (
            partition by labels.repo, labels.path
            order by
                {{ sha256_hex('files.content') }} = labels.content_sha256 desc nulls last,
                files.source asc,
                files.doc_id asc
        ) as match_rank,
        {{ stable_uniform(["'code_quality_heldout'", 'labels.repo']) }} as heldout_draw
    from labels
    left join files on labels.repo = files.repo and labels.path = files.path
)

select
    repo,
    path,
    content_sha256,
    score,
    reason,
    case when is_same_content then doc_id end as doc_id,
    case
        when doc_id is null then 'not_in_corpus'
        when not is_same_content then 'content_changed'
        else 'matched'
    end as label_status,
    case when heldout_draw < {{ var('code_quality_heldout_fraction') }} then 'heldout' else 'train' end as split,
    case when is_same_content then content end as content
from candidates
where match_rank = 1
