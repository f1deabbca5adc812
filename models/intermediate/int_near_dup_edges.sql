-- Verified near-duplicate edges. LSH in SQL: each signature is cut into bands of rows (see the
-- lsh_params macro); files whose band keys match share a bucket. Instead of all pairs in a
-- bucket, each member is linked to the bucket's smallest doc_id (star edges). Every candidate edge
-- is scored with the full signatures; those whose estimate comes within
-- near_dedup_verification_margin of near_dedup_threshold are checked with the exact shingle
-- Jaccard (the estimate's noise, ~0.03 at 256 permutations, would otherwise let pairs just under
-- the threshold in), and only edges whose exact similarity reaches the threshold are verified, so
-- a chain of weak matches cannot merge unrelated files into one cluster.
{% set bands, rows = lsh_params() %}
with

signatures as (
    select doc_id, signature
    from {{ ref('int_files_minhashed') }}
    where signature is not null
),

band_keys as (
    select
        doc_id,
        unnest(winnow_lsh_band_keys(signature, {{ bands }}, {{ rows }})) as band_key,
        unnest(range({{ bands }})) as band
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
    join buckets
        on buckets.band = band_keys.band
        and buckets.band_key = band_keys.band_key
    where band_keys.doc_id != buckets.anchor_doc_id
    group by band_keys.doc_id, buckets.anchor_doc_id
),

estimated as (
    select
        candidate_edges.*,
        winnow_signature_similarity(member.signature, anchor.signature) as estimated_similarity
    from candidate_edges
    join signatures as member
        on member.doc_id = candidate_edges.doc_id
    join signatures as anchor
        on anchor.doc_id = candidate_edges.anchor_doc_id
),

contents as (
    select doc_id, kind, content from {{ ref('int_files_exact_deduped') }}
),

checked as (
    select
        estimated.*,
        case
            when estimated.estimated_similarity
                >= {{ var('near_dedup_threshold') }} - {{ var('near_dedup_verification_margin') }}
            then {{ shingle_similarity('member.content', 'anchor.content', 'member.kind', 'anchor.kind') }}
        end as exact_similarity
    from estimated
    left join contents as member
        on member.doc_id = estimated.doc_id
    left join contents as anchor
        on anchor.doc_id = estimated.anchor_doc_id
)

select
    doc_id,
    anchor_doc_id,
    shared_bands,
    estimated_similarity,
    exact_similarity,
    coalesce(exact_similarity >= {{ var('near_dedup_threshold') }}, false) as is_verified
from checked
