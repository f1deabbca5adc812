-- The curated corpus: one row per kept file, after every filter, deduplication, PII redaction and
-- decontamination stage (the text is redacted), in the
-- int_files_unioned contract plus the measured signals and normalised licenses.
select
    doc_id,
    source,
    repo,
    path,
    language,
    kind,
    url,
    spdx_licenses as licenses,
    content,
    n_bytes,
    content_hash,
    source_tier,
    license_families,
    n_chars,
    n_lines,
    max_line_length,
    mean_line_length,
    alphanumeric_fraction,
    alphabetic_fraction,
    comment_line_fraction,
    exact_cluster_size,
    near_cluster_size
from {{ ref('int_files_decontaminated') }}
