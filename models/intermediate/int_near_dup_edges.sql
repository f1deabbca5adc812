-- Verified near-duplicate edges: the candidates of int_near_dup_candidates, with the exact shingle
-- Jaccard for those whose MinHash estimate came within near_dedup_verification_margin of
-- near_dedup_threshold. Only edges whose exact similarity reaches the threshold are verified, so a
-- chain of weak matches cannot merge unrelated files into one cluster. The intersections are
-- counted over one row per (file, shingle hash): fixed-width rows, so the joins and the count
-- spill to disk however large the corpus; the result equals winnow_shingle_jaccard's.
with

candidates as (
    select * from {{ ref('int_near_dup_candidates') }}
),

checked_edges as (
    select doc_id, anchor_doc_id from candidates where needs_exact_check
),

set_sizes as (
    select doc_id, len(shingle_hashes) as n_shingles
    from {{ ref('int_near_dup_shingle_sets') }}
    where shingle_hashes is not null
),

shingles as not materialized (
    select doc_id, unnest(shingle_hashes) as shingle_hash
    from {{ ref('int_near_dup_shingle_sets') }}
),

member_shingles as (
    select
        checked_edges.doc_id,
        checked_edges.anchor_doc_id,
        shingles.shingle_hash
    from checked_edges
    join shingles
        on shingles.doc_id = checked_edges.doc_id
),

intersections as (
    select
        member_shingles.doc_id,
        member_shingles.anchor_doc_id,
        count(*) as n_common
    from member_shingles
    join shingles as anchor_shingles
        on anchor_shingles.doc_id = member_shingles.anchor_doc_id
        and anchor_shingles.shingle_hash = member_shingles.shingle_hash
    group by member_shingles.doc_id, member_shingles.anchor_doc_id
),

exact as (
    select
        checked_edges.doc_id,
        checked_edges.anchor_doc_id,
        coalesce(intersections.n_common, 0)
            / (member.n_shingles + anchor.n_shingles - coalesce(intersections.n_common, 0)) as exact_similarity
    from checked_edges
    join set_sizes as member
        on member.doc_id = checked_edges.doc_id
    join set_sizes as anchor
        on anchor.doc_id = checked_edges.anchor_doc_id
    left join intersections
        on intersections.doc_id = checked_edges.doc_id
        and intersections.anchor_doc_id = checked_edges.anchor_doc_id
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
    on exact.doc_id = candidates.doc_id
    and exact.anchor_doc_id = candidates.anchor_doc_id
