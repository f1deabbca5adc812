{{ cache_config('minhash_fingerprint', progress_udf='winnow_minhash', progress_input='int_files_exact_deduped') }}
-- The MinHash signature of every exact-deduplicated file, computed once per file and settings and
-- kept between builds (see macros/incremental_cache.sql): winnow_minhash (bit-exact with
-- datasketch), near_dedup_shingle_size-token shingles over tokens split on [^A-Za-z_0-9] (code)
-- or lower-cased words (text and docs; vars near_dedup_shingle_unit_<kind>),
-- near_dedup_num_perm permutations. May hold files no longer in the corpus; int_files_minhashed
-- selects the current ones.
with

files as (
    select doc_id, kind, content from {{ ref('int_files_exact_deduped') }}
),

uncached as (
    select * from files
    where {{ not_cached('files', minhash_fingerprint()) }}
),

signed as (
    select
        doc_id,
        winnow_minhash(
            content,
            {{ var('near_dedup_num_perm') }},
            {{ var('near_dedup_shingle_size') }},
            {{ var('near_dedup_seed') }},
            '{{ var("near_dedup_minhash_scheme") }}',
            '{{ var("near_dedup_shingle_hash") }}',
            {{ shingle_unit('kind') }}
        ) as signature,
        -- The same shingles' distinct hashes, for the exact Jaccard of near dedup (macro
        -- shingle_set_jaccard): computed in this one scan of the text, so no later stage joins text.
        winnow_shingle_hash_sets(
            content,
            {{ var('near_dedup_shingle_size') }},
            '{{ var("near_dedup_shingle_hash") }}',
            {{ shingle_unit('kind') }}
        ) as shingle_hashes
    from uncached
)

select
    doc_id,
    {{ minhash_fingerprint() }} as fingerprint,
    signature,
    shingle_hashes,
    case when signature is null then 'too_few_tokens' end as minhash_skip_reason
from signed
