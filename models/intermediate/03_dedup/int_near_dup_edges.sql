-- Verified near-duplicate edges: the candidates of int_near_dup_candidates, with the exact shingle
-- Jaccard for those whose MinHash estimate came within near_dedup_verification_margin of
-- near_dedup_threshold. Only edges whose exact similarity reaches the threshold are verified, so a
-- chain of weak matches cannot merge unrelated files into one cluster. The exact Jaccard comes
-- from the files' shingle-hash sets (macro shingle_set_jaccard: fixed-width rows that spill to
-- disk however large the corpus; the result equals python_udfs.kernels.minhash.shingle_jaccard's).
with

candidates as (
    select * from {{ ref('int_near_dup_candidates') }}
),

checked_edges as (
    select
        doc_id,
        anchor_doc_id
    from candidates
    where needs_exact_check
),

exact as (
    select
        left_doc_id as doc_id,
        right_doc_id as anchor_doc_id,
        exact_similarity
    from {{ shingle_set_jaccard('checked_edges', 'doc_id', 'anchor_doc_id') }}
)

select
    candidates.doc_id,
    candidates.anchor_doc_id,
    candidates.shared_bands,
    candidates.estimated_similarity,
    exact.exact_similarity,
    coalesce(exact.exact_similarity >= {{ var('near_dedup_threshold') }}, false) as is_verified
from candidates
left join exact
    on
        candidates.doc_id = exact.doc_id
        and candidates.anchor_doc_id = exact.anchor_doc_id
