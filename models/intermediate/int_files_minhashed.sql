-- MinHash signatures of the exact-deduplicated files (winnow_minhash Arrow UDF, bit-exact with
-- datasketch): 5-token shingles over tokens split on [^A-Za-z_0-9], near_dedup_num_perm
-- permutations. A file with fewer tokens than a shingle has no signature and is skipped by near
-- dedup (kept), with minhash_skip_reason saying why.
-- Progress in dbt's log (macros/progress.sql): rows done of total and rows/s.
{{ config(
    pre_hook="{{ progress_start('winnow_minhash', ref('int_files_exact_deduped')) }}",
    post_hook="{{ progress_finish('winnow_minhash') }}",
) }}

with

files as (
    select doc_id, content from {{ ref('int_files_exact_deduped') }}
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
            '{{ var("near_dedup_shingle_hash") }}'
        ) as signature
    from files
)

select
    doc_id,
    signature,
    case when signature is null then 'too_few_tokens' end as minhash_skip_reason
from signed
