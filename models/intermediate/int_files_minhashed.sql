-- MinHash signatures of the exact-deduplicated files (winnow_minhash Arrow UDF, bit-exact with
-- datasketch): 5-token shingles over tokens split on [^A-Za-z_0-9] (code) or lower-cased words
-- (text and docs; vars near_dedup_shingle_unit_<kind>), near_dedup_num_perm permutations. A file
-- with fewer tokens than a shingle has no signature and is skipped by near dedup (kept), with
-- minhash_skip_reason saying why.
with

files as (
    select doc_id, kind, content from {{ ref('int_files_exact_deduped') }}
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
        ) as signature
    from files
)

select
    doc_id,
    signature,
    case when signature is null then 'too_few_tokens' end as minhash_skip_reason
from signed
