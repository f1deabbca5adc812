-- Candidate near-duplicate edges. LSH in SQL: each signature is cut into bands of rows (see the
-- lsh_params macro); files whose band keys match share a bucket. Instead of all pairs in a
-- bucket, each member is linked to the bucket's smallest doc_id (star edges). Every candidate edge
-- is scored with the full signatures; those whose estimate comes within
-- near_dedup_verification_margin of near_dedup_threshold need the exact shingle Jaccard
-- (int_near_dup_edges), as the estimate's noise (~0.03 at 256 permutations) would otherwise let
-- pairs just under the threshold in.
{% set bands, rows = lsh_params() %}
with

signatures as (
    select
        doc_id,
        signature
    from {{ ref('int_files_minhashed') }}
    where signature is not null
),

band_keys as (
    select
        doc_id,
        {{ unnest_lists_in_step([
            ['winnow_lsh_band_keys(signature, ' ~ bands ~ ', ' ~ rows ~ ')', 'band_key'],
            [list_range(bands), 'band'],
        ]) }}
    from signatures
),

buckets as (
    select
        band,
        band_key,
        min(doc_id) as anchor_doc_id
    from band_keys
    group by band, band_key
    having count(*) > 1
),

candidate_edges as (
    select
        band_keys.doc_id,
        buckets.anchor_doc_id,
        count(*) as shared_bands
    from band_keys
    inner join buckets
        on
            band_keys.band = buckets.band
            and band_keys.band_key = buckets.band_key
    where band_keys.doc_id != buckets.anchor_doc_id
    group by band_keys.doc_id, buckets.anchor_doc_id
),

estimated as (
    select
        candidate_edges.*,
        winnow_signature_similarity(member.signature, anchor.signature) as estimated_similarity
    from candidate_edges
    inner join signatures as member
        on candidate_edges.doc_id = member.doc_id
    inner join signatures as anchor
        on candidate_edges.anchor_doc_id = anchor.doc_id
)

select
    doc_id,
    anchor_doc_id,
    shared_bands,
    estimated_similarity,
    estimated_similarity
    >= {{ var('near_dedup_threshold') }} - {{ var('near_dedup_verification_margin') }} as needs_exact_check
from estimated
