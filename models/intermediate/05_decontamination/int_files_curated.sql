-- The curated corpus: one row per kept file, after every filter, deduplication, PII redaction and
-- decontamination stage (the text is redacted), in the int_files_unioned contract plus the
-- measured signals, normalised licenses, FineWeb-Edu's score where the source has one and, for
-- Python code, the code-quality score.
select
    files.doc_id,
    files.source,
    files.repo,
    files.path,
    files.language,
    files.kind,
    files.url,
    files.spdx_licenses as licenses,
    files.content,
    files.n_bytes,
    files.content_hash,
    files.source_tier,
    files.license_families,
    files.n_chars,
    files.n_lines,
    files.max_line_length,
    files.mean_line_length,
    files.alphanumeric_fraction,
    files.alphabetic_fraction,
    files.comment_line_fraction,
    files.exact_cluster_size,
    files.near_cluster_size,
    files.edu_int_score,
    scores.quality_score,
    scores.quality_int_score
from {{ ref('int_files_decontaminated') }} as files
left join {{ ref('int_code_quality_scores_cache') }} as scores on files.doc_id = scores.doc_id
