{{ cache_config(progress_udf='winnow_minhash', input='int_files_exact_deduped') }}
-- The MinHash signature of every exact-deduplicated file, computed once per file and settings and
-- kept between builds (see macros/incremental_cache.sql): winnow_minhash with
-- near_dedup_minhash_scheme (one-permutation hashing, or datasketch's permutations),
-- near_dedup_shingle_size-token shingles over tokens split on [^A-Za-z_0-9] (code) or lower-cased
-- words (text and docs; vars near_dedup_shingle_unit_<kind>), near_dedup_num_perm positions.
-- Holds the current input's files only.
with

files as (
    select
        doc_id,
        kind,
        content
    from {{ ref('int_files_exact_deduped') }}
),

uncached as (
    select * from files
    where {{ not_cached('files') }}
),

signed as (
    -- The signature and the distinct hashes of the same shingles from one pass over the text:
    -- near dedup's exact check counts set intersections (macro shingle_set_jaccard), so no
    -- later stage joins text.
    select
        doc_id,
        winnow_minhash(
            content,
            {{ var('near_dedup_num_perm') }},
            {{ var('near_dedup_shingle_size') }},
            {{ var('near_dedup_seed') }},
            {{ sql_string(var("near_dedup_minhash_scheme")) }},
            {{ sql_string(var("near_dedup_shingle_hash")) }},
            {{ shingle_unit('kind') }}
        ) as minhash
    from uncached
)

select
    doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    minhash.signature,
    minhash.shingle_hashes,
    case when minhash.signature is null then 'too_few_tokens' end as minhash_skip_reason
from signed
